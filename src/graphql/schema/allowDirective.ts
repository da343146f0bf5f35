import { MapperKind, getDirective, mapSchema } from '@graphql-tools/utils';
import { GraphQLError, defaultFieldResolver, type GraphQLSchema } from 'graphql';
import { roleFromGraphQL, type Role } from '../../auth/roles';
import type { GatewayContext } from '../GatewayContext';

/**
 * Deny by default (issue 5): every root field names the roles allowed to call it with `@allow`;
 * building a schema with a root field that does not is an error. The check is synchronous and sits
 * in front of the field's resolver (and `subscribe`), so DataLoader batching is untouched.
 */
export function applyAllowDirective(schema: GraphQLSchema): GraphQLSchema {
  const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()];
  const missing = roots.flatMap((type) =>
    type === null || type === undefined
      ? []
      : Object.values(type.getFields())
          .filter((field) => getDirective(schema, field, 'allow')?.[0] === undefined)
          .map((field) => `${type.name}.${field.name}`),
  );
  if (missing.length > 0)
    throw new Error(`root fields without @allow (deny by default): ${missing.join(', ')}`);

  return mapSchema(schema, {
    [MapperKind.ROOT_FIELD]: (config, fieldName, typeName) => {
      const allow = getDirective(schema, config, 'allow')?.[0] as { roles: string[] } | undefined;
      if (allow === undefined) return config;
      const roles = new Set<Role>(allow.roles.map(roleFromGraphQL));
      const where = `${typeName}.${fieldName}`;
      const guard = (context: GatewayContext): void => {
        const principal = context.principal;
        if (principal === null) {
          throw new GraphQLError(
            `${where} needs credentials: an API key (X-Api-Key) or a bearer token`,
            { extensions: { code: 'UNAUTHENTICATED' } },
          );
        }
        if (!roles.has(principal.role)) {
          throw new GraphQLError(`role ${principal.role} may not call ${where}`, {
            extensions: { code: 'FORBIDDEN' },
          });
        }
      };
      const resolve = config.resolve ?? defaultFieldResolver;
      const subscribe = config.subscribe;
      return {
        ...config,
        resolve: (source, args, context: GatewayContext, info) => {
          guard(context);
          return resolve(source, args, context, info);
        },
        ...(subscribe === undefined
          ? {}
          : {
              subscribe: (source, args, context: GatewayContext, info) => {
                guard(context);
                return subscribe(source, args, context, info);
              },
            }),
      };
    },
  });
}

/** The roles `@allow` lists for each root field (`Query.dossier` → roles), for tests and docs. */
export function allowedRoles(schema: GraphQLSchema): Map<string, Role[]> {
  const result = new Map<string, Role[]>();
  for (const type of [
    schema.getQueryType(),
    schema.getMutationType(),
    schema.getSubscriptionType(),
  ]) {
    if (type === null || type === undefined) continue;
    for (const field of Object.values(type.getFields())) {
      const allow = getDirective(schema, field, 'allow')?.[0] as { roles: string[] } | undefined;
      result.set(`${type.name}.${field.name}`, (allow?.roles ?? []).map(roleFromGraphQL));
    }
  }
  return result;
}
