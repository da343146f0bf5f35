import type { OnlineLevel, Procedure, PublicationState } from '../../../connectors/model';
import { foldText } from '../../../connectors/shared/text';
import type { ErrorDetail } from '../../errors/GatewayError';

/** Where one system's part of the catalogue stands. */
export interface CatalogueSourceStatus {
  connectorId: string;
  entries: number;
  /** Last successful sync, ISO 8601 +07:00; null before the first. */
  lastSyncedAt: string | null;
  lastAttemptAt: string | null;
  /** The last attempt failed: the entries are those of `lastSyncedAt`. */
  stale: boolean;
  lastError: ErrorDetail | null;
  /** Records the last sync could not read as procedures. */
  unreadable: number;
}

/** A procedure in the index: merged across the systems that list it. */
export interface IndexedProcedure {
  code: string;
  /** The national code of a local variant (`1.003560` for `1.003560.000.00.00.H56`); null for a national code. */
  nationalCode: string | null;
  procedure: Procedure;
  /** The systems listing this code, by registration id. */
  providers: string[];
}

export interface ProcedureFilter {
  /** Words that must all occur in the code, name or field, without regard to diacritics. */
  search?: string | undefined;
  fieldCode?: string | undefined;
  /** An implementing agency's code. */
  agency?: string | undefined;
  onlineLevel?: OnlineLevel | undefined;
  state?: PublicationState | undefined;
}

/** `1.003560.000.00.00.H56` → `1.003560`; also the shorter `2.002621.H56`. */
const LOCAL_VARIANT = /^(\d\.\d{6})\.([0-9A-Z.]+)$/;

/**
 * The gateway's own procedure catalogue (docs/api.md, the procedure catalogue): each
 * system's entries are replaced whole when it syncs, kept as they were when it fails, and merged by
 * code across systems — the national code is the identity, local variants link to it. Search runs
 * on a folded key; pages are ordered by code, so cursors are stable.
 */
export class CatalogueIndex {
  private readonly bySource = new Map<string, ReadonlyMap<string, Procedure>>();
  private readonly statuses = new Map<string, CatalogueSourceStatus>();
  private merged = new Map<string, IndexedProcedure>();
  private sorted: IndexedProcedure[] = [];
  private folded = new Map<string, string>();
  private variantsOf = new Map<string, string[]>();

  /** Replaces one system's entries after a successful sync. */
  replaceSource(
    connectorId: string,
    procedures: readonly Procedure[],
    syncedAt: string,
    unreadable: number,
  ): void {
    const entries = new Map<string, Procedure>();
    for (const procedure of procedures)
      if (!entries.has(procedure.code)) entries.set(procedure.code, procedure);
    this.bySource.set(connectorId, entries);
    this.statuses.set(connectorId, {
      connectorId,
      entries: entries.size,
      lastSyncedAt: syncedAt,
      lastAttemptAt: syncedAt,
      stale: false,
      lastError: null,
      unreadable,
    });
    this.rebuild();
  }

  /** Records a failed sync; the system's last entries stay, marked stale. */
  markFailed(connectorId: string, attemptAt: string, error: ErrorDetail): void {
    const previous = this.statuses.get(connectorId);
    this.statuses.set(connectorId, {
      connectorId,
      entries: previous?.entries ?? 0,
      lastSyncedAt: previous?.lastSyncedAt ?? null,
      lastAttemptAt: attemptAt,
      stale: true,
      lastError: error,
      unreadable: previous?.unreadable ?? 0,
    });
    // A stale system now yields to fresh ones where both list a code.
    this.rebuild();
  }

  /** Forgets a system that is no longer registered. */
  removeSource(connectorId: string): void {
    if (this.bySource.delete(connectorId)) this.rebuild();
    this.statuses.delete(connectorId);
  }

  status(connectorId: string): CatalogueSourceStatus | undefined {
    return this.statuses.get(connectorId);
  }

  statusAll(): CatalogueSourceStatus[] {
    return [...this.statuses.values()].sort((a, b) => (a.connectorId < b.connectorId ? -1 : 1));
  }

  get size(): number {
    return this.merged.size;
  }

  get(code: string): IndexedProcedure | undefined {
    return this.merged.get(code.trim());
  }

  /** Local variants of a national code, by code. */
  variants(nationalCode: string): IndexedProcedure[] {
    return (this.variantsOf.get(nationalCode) ?? []).map(
      (code) => this.merged.get(code) as IndexedProcedure,
    );
  }

  /** Matching procedures ordered by code, after `afterCode` when given. */
  *list(filter: ProcedureFilter, afterCode?: string): Generator<IndexedProcedure> {
    const words =
      filter.search === undefined ? [] : foldText(filter.search).split(' ').filter(Boolean);
    for (const entry of this.sorted) {
      if (afterCode !== undefined && entry.code <= afterCode) continue;
      const { procedure } = entry;
      if (filter.fieldCode !== undefined && procedure.fieldCode !== filter.fieldCode) continue;
      if (filter.onlineLevel !== undefined && procedure.onlineLevel?.value !== filter.onlineLevel)
        continue;
      if (filter.state !== undefined && procedure.state?.value !== filter.state) continue;
      if (
        filter.agency !== undefined &&
        !procedure.implementingAgencies.some((a) => a.code === filter.agency)
      )
        continue;
      if (words.length > 0) {
        const haystack = this.folded.get(entry.code) as string;
        if (!words.every((word) => haystack.includes(word))) continue;
      }
      yield entry;
    }
  }

  /** Count of matches, for `totalCount`. */
  count(filter: ProcedureFilter): number {
    let total = 0;
    for (const _ of this.list(filter)) total += 1;
    return total;
  }

  private rebuild(): void {
    const providers = new Map<string, Array<{ id: string; procedure: Procedure }>>();
    // Fresh systems first, then the most recently synced, then by id: the first listing wins a
    // merged field, so a stale system never overrides a fresh one.
    const order = [...this.bySource.keys()].sort((a, b) => {
      const sa = this.statuses.get(a);
      const sb = this.statuses.get(b);
      if ((sa?.stale ?? false) !== (sb?.stale ?? false)) return sa?.stale === true ? 1 : -1;
      const byTime = (sb?.lastSyncedAt ?? '').localeCompare(sa?.lastSyncedAt ?? '');
      return byTime !== 0 ? byTime : a < b ? -1 : 1;
    });
    for (const id of order) {
      for (const procedure of (this.bySource.get(id) as ReadonlyMap<string, Procedure>).values()) {
        const list = providers.get(procedure.code);
        if (list === undefined) providers.set(procedure.code, [{ id, procedure }]);
        else list.push({ id, procedure });
      }
    }
    const merged = new Map<string, IndexedProcedure>();
    const folded = new Map<string, string>();
    const variantsOf = new Map<string, string[]>();
    for (const [code, listing] of providers) {
      const procedure = mergeListings(listing.map((l) => l.procedure));
      const nationalCode = LOCAL_VARIANT.exec(code)?.[1] ?? null;
      merged.set(code, {
        code,
        nationalCode,
        procedure,
        providers: listing.map((l) => l.id).sort(),
      });
      folded.set(code, foldText(`${code} ${procedure.name} ${procedure.fieldName ?? ''}`));
      if (nationalCode !== null) {
        const variants = variantsOf.get(nationalCode);
        if (variants === undefined) variantsOf.set(nationalCode, [code]);
        else variants.push(code);
      }
    }
    for (const variants of variantsOf.values()) variants.sort();
    this.merged = merged;
    this.folded = folded;
    this.variantsOf = variantsOf;
    this.sorted = [...merged.values()].sort((a, b) =>
      a.code < b.code ? -1 : a.code > b.code ? 1 : 0,
    );
  }
}

/**
 * One procedure listed by several systems: the first listing (by registration id) wins field by
 * field, and a field it leaves empty is taken from the next. Warnings are kept for the listing
 * each field was taken from (`channels[1].processingTime` of the listing whose channels are shown).
 */
function mergeListings(listings: readonly Procedure[]): Procedure {
  const [first, ...rest] = listings as [Procedure, ...Procedure[]];
  if (rest.length === 0) return first;
  const shownFrom = new Map<string, Procedure>();
  const pick = <K extends keyof Procedure>(key: K): Procedure[K] => {
    for (const listing of listings) {
      const value = listing[key];
      if (value !== null && !(Array.isArray(value) && value.length === 0)) {
        shownFrom.set(key, listing);
        return value;
      }
    }
    shownFrom.set(key, first);
    return first[key];
  };
  return {
    code: first.code,
    name: first.name,
    fieldCode: pick('fieldCode'),
    fieldName: pick('fieldName'),
    onlineLevel: pick('onlineLevel'),
    implementingAgencies: [
      ...new Map(
        listings.flatMap((l) => l.implementingAgencies).map((a) => [`${a.code}|${a.name}`, a]),
      ).values(),
    ],
    channels: pick('channels'),
    documents: pick('documents'),
    legalBases: pick('legalBases'),
    state: pick('state'),
    // A field not picked (agencies, merged from every listing) keeps every listing's warnings.
    warnings: listings.flatMap((listing) =>
      listing.warnings.filter((warning) => {
        const shown = shownFrom.get(/^[^.[]*/.exec(warning.field)?.[0] ?? '');
        return shown === undefined || shown === listing;
      }),
    ),
  };
}
