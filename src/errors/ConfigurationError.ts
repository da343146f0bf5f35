import type { z } from 'zod';

/** One problem in a configuration file: which file, where in it, and what is wrong. */
export interface ConfigurationProblem {
  file: string;
  /** Field path inside the file, e.g. `config.lookup.bulk.maxBatch`; empty for the whole file. */
  path: string;
  message: string;
  /** Valid JSONata that registrations may not run (connectors/shared/expression/README.md). */
  unsafeExpression?: true;
}

/**
 * Configuration that cannot be used (registration files, the agency directory). Raised before
 * anything is applied, listing every problem, so nothing is half registered.
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';

  constructor(readonly problems: readonly ConfigurationProblem[]) {
    super(
      `Invalid configuration:\n${problems
        .map((p) => `  ${p.file}${p.path === '' ? '' : ` → ${p.path}`}: ${p.message}`)
        .join('\n')}`,
    );
  }
}

/** Zod issues as problems with dotted field paths (`lookup.bulk.maxBatch`, `agencies[3].code`). */
export function describeZodIssues(
  file: string,
  error: z.ZodError,
  prefix: readonly PropertyKey[] = [],
): ConfigurationProblem[] {
  return error.issues.map((issue) => ({
    file,
    path: formatPath([...prefix, ...issue.path]),
    message: issue.message,
    ...(issue.code === 'custom' && issue.params?.unsafeExpression === true
      ? { unsafeExpression: true as const }
      : {}),
  }));
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) =>
      typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`,
    )
    .join('');
}
