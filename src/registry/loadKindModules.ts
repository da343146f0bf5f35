import { resolve } from 'node:path';
import type { ConnectorKind } from '../../connectors/contract';
import { ConfigurationError, type ConfigurationProblem } from '../errors/ConfigurationError';

/**
 * Connector kinds written as code (docs/CONNECTOR_KINDS.md): each module exports `connectorKind`
 * (or a default export) shaped like the contract — a `kind` name, a zod `configSchema` and
 * `create`. All modules are checked before any is used; a name may not repeat a built-in kind.
 */
export function loadKindModules(
  modules: readonly string[],
  builtins: ReadonlyMap<string, ConnectorKind<unknown>>,
  projectRoot: string,
): ReadonlyMap<string, ConnectorKind<unknown>> {
  const kinds = new Map(builtins);
  const problems: ConfigurationProblem[] = [];
  for (const module of modules) {
    const file = resolve(projectRoot, module);
    let exported: Record<string, unknown>;
    try {
      exported = require(file) as Record<string, unknown>;
    } catch (error) {
      problems.push({
        file,
        path: '',
        message: `cannot load: ${(error as Error).message.split('\n')[0]}`,
      });
      continue;
    }
    const kind = (exported.connectorKind ?? exported.default) as
      Partial<ConnectorKind<unknown>> | undefined;
    const problem =
      kind === undefined
        ? 'exports no connectorKind (or default export)'
        : typeof kind.kind !== 'string' || !/^[a-z][a-z0-9-]{1,40}$/.test(kind.kind)
          ? 'connectorKind.kind must be a lower-case name with dashes'
          : typeof (kind.configSchema as { safeParse?: unknown } | undefined)?.safeParse !==
              'function'
            ? 'connectorKind.configSchema must be a zod schema'
            : typeof kind.create !== 'function'
              ? 'connectorKind.create must be a function'
              : kinds.has(kind.kind)
                ? `a kind named "${kind.kind}" is already registered`
                : null;
    if (problem !== null) problems.push({ file, path: '', message: problem });
    else kinds.set((kind as ConnectorKind<unknown>).kind, kind as ConnectorKind<unknown>);
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return kinds;
}
