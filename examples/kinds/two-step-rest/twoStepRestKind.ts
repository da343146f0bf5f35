import { z } from 'zod';
import type { ConnectorKind } from '../../../connectors/contract';
import { ConnectorError } from '../../../connectors/ConnectorError';
import { DeclarativeConnector } from '../../../connectors/shared/declarativeConnector';
import { dossierMappingSchema } from '../../../connectors/shared/dossierMapping';
import { ExpressionCompiler } from '../../../connectors/shared/expression/ExpressionCompiler';
import { errorForStatus, parseJsonBody } from '../../../connectors/shared/http';
import { buildTables, tablesSchema } from '../../../connectors/shared/tablesSchema';

/**
 * Example of a connector kind written as code: a system that finds a dossier in two calls — a
 * search by code that answers the system's internal id, then the record by that id. No
 * registration file can chain calls, so this kind supplies its own transport and reuses the shared
 * engine for everything else (batching, mapping, tables, record checks).
 *
 * Loaded with `CONNECTOR_KIND_MODULES=examples/kinds/two-step-rest/twoStepRestKind.ts`; see
 * docs/CONNECTOR_KINDS.md.
 */
const configSchema = z.strictObject({
  /** Search path; the code goes in the `searchParam` query parameter. Answers `{ "id": … }` or 404. */
  searchPath: z.string().regex(/^\/[^\s?#]*$/, 'a path starting with "/"'),
  /** Query parameter carrying the code. Default `code`. */
  searchParam: z.string().min(1).default('code'),
  /** Record path with `{id}`. */
  recordPath: z
    .string()
    .regex(/^\/[^\s?#]*\{id\}[^\s?#]*$/, 'a path starting with "/" containing {id}'),
  /** Lookups in flight to the system (each is two calls). Default 4. */
  concurrency: z.number().int().min(1).max(32).default(4),
  mapping: dossierMappingSchema,
  ...tablesSchema,
});

type TwoStepConfig = z.output<typeof configSchema>;

export const connectorKind: ConnectorKind<TwoStepConfig> = {
  kind: 'two-step-rest',
  configSchema,
  create: (config, deps) =>
    new DeclarativeConnector(
      {
        single: {
          concurrency: config.concurrency,
          fetch: async (code, call) => {
            const what = `${deps.connectorId} lookup`;
            const headers = { 'X-Request-Id': call.requestId };
            const search = await deps.http.get<string>(config.searchPath, {
              params: { [config.searchParam]: code },
              signal: call.signal,
              headers,
            });
            if (search.status === 404) return null;
            const failed = errorForStatus(search, what);
            if (failed !== null) return failed;
            const id = (parseJsonBody(search, what) as { id?: unknown } | null)?.id;
            if (typeof id !== 'string' && typeof id !== 'number') {
              return new ConnectorError(
                'UPSTREAM_BAD_RESPONSE',
                `${what}: the search answered no id`,
              );
            }
            const record = await deps.http.get<string>(
              config.recordPath.replace('{id}', encodeURIComponent(String(id))),
              { signal: call.signal, headers },
            );
            if (record.status === 404) return null;
            return errorForStatus(record, what) ?? parseJsonBody(record, what);
          },
        },
      },
      config.mapping,
      buildTables(config),
      deps,
      new ExpressionCompiler(200, deps.onExpression),
    ),
};
