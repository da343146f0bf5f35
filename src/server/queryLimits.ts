import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';

/**
 * Limits on the shape of one operation (graphql-armor's rules), set to admit the portal's real
 * shapes — 500 codes in one `dossiers` list, 100 aliased `dossier` fields with every field of the
 * dossier (cost 16 288) — and to stop what is larger: deep nesting, alias floods, huge documents.
 * The number of dossier codes per operation is limited separately (500, codeLimit.ts).
 */
export const QUERY_LIMITS = {
  /** Tokens in the document (the parser stops counting there). 100 full aliased lookups: ~11 500. */
  maxTokens: 15_000,
  /** Nesting; the deepest real query is 5. */
  maxDepth: 10,
  maxAliases: 150,
  /** graphql-armor's static cost (objects 2, scalars 1, ×1.5 per level, × `first`). */
  maxCost: 20_000,
  maxDirectives: 50,
} as const;

/**
 * graphql-armor's rules throw by default, which a validator reports as an internal error; here
 * each refusal is reported as a validation error with a plain message.
 */
function reportInstead(context: ValidationContext | null, error: GraphQLError): void {
  context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, '')));
}

export function queryLimitRules(): ValidationRule[] {
  const common = { propagateOnRejection: false, onReject: [reportInstead] };
  return [
    maxDepthRule({ n: QUERY_LIMITS.maxDepth, ...common }),
    maxAliasesRule({ n: QUERY_LIMITS.maxAliases, ...common }),
    costLimitRule({ maxCost: QUERY_LIMITS.maxCost, ...common }),
    maxDirectivesRule({ n: QUERY_LIMITS.maxDirectives, ...common }),
  ];
}
