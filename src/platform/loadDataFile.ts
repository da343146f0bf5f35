import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { z } from 'zod';
import { ConfigurationError, describeZodIssues } from '../errors/ConfigurationError';

/**
 * Reads a YAML (or JSON) data file the gateway is configured with and checks it against `schema`;
 * an unreadable file or each problem in it stops start-up with the file and field path named.
 */
export async function loadDataFile<S extends z.ZodType>(
  file: string,
  schema: S,
  what: string,
): Promise<z.output<S>> {
  let raw: unknown;
  try {
    raw = parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ConfigurationError([
      { file, path: '', message: `cannot read ${what}: ${(error as Error).message}` },
    ]);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ConfigurationError(describeZodIssues(file, parsed.error));
  return parsed.data;
}
