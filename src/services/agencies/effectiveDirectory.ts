import type { Agency } from '../../domain/AgencyDirectory';
import type { StoredRegistration } from '../../registry/RegistrationStore';
import { readStoredEntry } from './agencyEntry';
import { directoryProblems } from './loadAgencyDirectory';

/** A runtime entry stored but not in effect, and why. */
export interface UnappliedEntry {
  code: string;
  version: number;
  /** `invalid`: no longer a valid entry; `conflict`: the directory would not hold with it. */
  problem: 'invalid' | 'conflict';
  detail: string;
}

export interface EffectiveDirectory {
  /** The agencies in effect: the file's, with the runtime entries applied. */
  agencies: Agency[];
  /** The runtime entries in effect, by code. */
  applied: Map<string, { stored: StoredRegistration; agency: Agency }>;
  unapplied: UnappliedEntry[];
}

/**
 * The directory in effect: the file's agencies, each runtime entry (the latest version of a code,
 * unless it is deleted) replacing the file's agency of its code or adding a new one; a deleted
 * entry leaves the file's agency, if any. The file holds on its own (checked at start), and each
 * runtime entry was checked with the others when it was written, so normally they are taken all
 * at once. When together they do not hold (two replicas' writes that raced, a file changed under
 * them), they are taken one by one in code order, in as many passes as add one, each kept only if
 * the directory still holds with it; the others are reported, not applied.
 */
export function effectiveDirectory(
  file: readonly Agency[],
  latest: readonly StoredRegistration[],
): EffectiveDirectory {
  const unapplied: UnappliedEntry[] = [];
  const entries: Array<{ stored: StoredRegistration; agency: Agency }> = [];
  for (const stored of [...latest].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (stored.deleted) continue;
    const read = readStoredEntry(stored);
    if ('problem' in read)
      unapplied.push({
        code: stored.id,
        version: stored.version,
        problem: 'invalid',
        detail: read.problem,
      });
    else entries.push({ stored, agency: read.agency });
  }
  const all = withEntries(
    file,
    entries.map((entry) => entry.agency),
  );
  if (directoryProblems(all).length === 0)
    return { agencies: all, applied: byCode(entries), unapplied };

  const accepted: typeof entries = [];
  let pending = entries;
  for (let added = true; added;) {
    added = false;
    const left: typeof entries = [];
    for (const entry of pending) {
      const trial = withEntries(
        file,
        [...accepted, entry].map((e) => e.agency),
      );
      if (directoryProblems(trial).length === 0) {
        accepted.push(entry);
        added = true;
      } else left.push(entry);
    }
    pending = left;
  }
  for (const entry of pending) {
    const trial = withEntries(
      file,
      [...accepted, entry].map((e) => e.agency),
    );
    unapplied.push({
      code: entry.stored.id,
      version: entry.stored.version,
      problem: 'conflict',
      detail: describeProblems(trial).join('; '),
    });
  }
  return {
    agencies: withEntries(
      file,
      accepted.map((e) => e.agency),
    ),
    applied: byCode(accepted),
    unapplied: unapplied.sort((a, b) => (a.code < b.code ? -1 : 1)),
  };
}

/**
 * `agencies` with one change: `put` replaces the agency of its code or adds it; `remove` takes
 * the code's runtime entry away, leaving the file's agency of that code (`fallback`) or none.
 */
export function withChange(
  agencies: readonly Agency[],
  change: { put: Agency } | { remove: string; fallback: Agency | null },
): Agency[] {
  if ('put' in change) return withEntries(agencies, [change.put]);
  const result = agencies.filter((agency) => agency.code !== change.remove);
  if (change.fallback !== null) result.push(change.fallback);
  return result;
}

/** What is wrong with a directory, each problem named by the agency's code and field. */
export function describeProblems(agencies: readonly Agency[]): string[] {
  return directoryProblems(agencies).map(
    ({ index, field, message }) => `${agencies[index]?.code ?? '?'} ${field}: ${message}`,
  );
}

/** `base` with `entries` replacing the agencies of their codes (in place) or added at the end. */
export function withEntries(base: readonly Agency[], entries: readonly Agency[]): Agency[] {
  const merged = new Map(base.map((agency) => [agency.code, agency]));
  for (const agency of entries) merged.set(agency.code, agency);
  return [...merged.values()];
}

function byCode(
  entries: ReadonlyArray<{ stored: StoredRegistration; agency: Agency }>,
): Map<string, { stored: StoredRegistration; agency: Agency }> {
  return new Map(entries.map((entry) => [entry.stored.id, entry]));
}
