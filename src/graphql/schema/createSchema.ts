import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { applyAllowDirective } from './allowDirective';
import { agencyResolvers } from '../resolvers/agencyResolvers';
import { auditResolvers } from '../resolvers/auditResolvers';
import { authResolvers } from '../resolvers/authResolvers';
import { registrationResolvers } from '../resolvers/registrationResolvers';
import { operationsResolvers } from '../resolvers/operationsResolvers';
import { traceResolvers } from '../resolvers/traceResolvers';
import { reportResolvers } from '../resolvers/reportResolvers';
import { dossierResolvers } from '../resolvers/dossierResolvers';
import { procedureResolvers } from '../resolvers/procedureResolvers';
import { DateScalar, DateTimeScalar } from './scalars';

/** The SDL files, in file-name order (`schema/*.graphql`). */
export function readSchemaSdl(folder: string): string[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => readFileSync(join(folder, name), 'utf8'));
}

/**
 * The executable schema: the SDL in `schema/` with the resolvers of this folder, every root field
 * guarded by its `@allow` roles.
 */
export function createSchema(schemaFolder: string): GraphQLSchema {
  const schema = makeExecutableSchema({
    typeDefs: readSchemaSdl(schemaFolder),
    resolvers: [
      { DateTime: DateTimeScalar, Date: DateScalar },
      dossierResolvers,
      agencyResolvers,
      procedureResolvers,
      authResolvers,
      auditResolvers,
      registrationResolvers,
      operationsResolvers,
      traceResolvers,
      reportResolvers,
    ],
    resolverValidationOptions: { requireResolversToMatchSchema: 'error' },
  });
  return applyAllowDirective(schema);
}
