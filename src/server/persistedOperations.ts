import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Persisted operations: an allow-list of operation documents by SHA-256, from a JSON file
 * (`{"operations": ["query …", …]}`). Clients may send just the hash
 * (`extensions.persistedQuery.sha256Hash`, as Apollo clients do); callers whose role is held to
 * the list (PERSISTED_ONLY_ROLES, e.g. the portal) may run nothing else.
 */
export class PersistedOperations {
  private constructor(private readonly byHash: ReadonlyMap<string, string>) {}

  static empty(): PersistedOperations {
    return new PersistedOperations(new Map());
  }

  static load(file: string): PersistedOperations {
    const parsed = z
      .object({ operations: z.array(z.string().min(1)) })
      .safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success)
      throw new Error(`${file}: expected {"operations": ["query …", …]}: ${parsed.error.message}`);
    return new PersistedOperations(
      new Map(parsed.data.operations.map((document) => [sha256(document), document])),
    );
  }

  get size(): number {
    return this.byHash.size;
  }

  document(hash: string): string | undefined {
    return this.byHash.get(hash.toLowerCase());
  }

  allows(document: string): boolean {
    return this.byHash.has(sha256(document));
  }
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
