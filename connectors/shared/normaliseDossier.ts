import type {
  DigitalFacts,
  ApplicantTypeCode,
  ChannelCode,
  ChannelValue,
  DateField,
  Fee,
  MappingWarning,
  NationalDossier,
  StatusValue,
} from '../model';
import { DATE_ONLY_DUE_TIME, DATE_ONLY_EVENT_TIME, DUE_FIELDS } from '../model';
import { oldestFirst, type HistoryOrder } from './historyOrder';
import { feeAmountFields } from './feeAmount';
import { idShapeProblem } from './idTypes';
import { decodeLegacy, looksLegacy, type LegacyEncoding } from './legacyText';
import { parseUpstreamDate, type DateParsing } from './parseUpstreamDate';
import { mapStatus, statusTableFor, tableKey, type StatusTable } from './statusTable';
import { normaliseText } from './text';

/** The value tables a registration declares beside its mapping expressions. */

export interface NormalisationTables {
  statuses: StatusTable;
  /**
   * `statuses.byRecord.select`: JSONata over the record whose value picks its status table, or
   * null. It is evaluated with the mapping (`recordExpressions`), once per record.
   */
  statusSelect?: string | null;
  /** Upstream channel value → national channel. */
  channels: ReadonlyMap<string, ChannelCode>;
  /** Upstream applicant type → national type. */
  applicantTypes: ReadonlyMap<string, ApplicantTypeCode>;
  dates: DateParsing;
  /** Free-text fields sent in a pre-Unicode encoding, and how to recognise them (a field has one rule). */
  legacyText: readonly LegacyTextRule[];
  /** The order the system sends its history in (`mapping.history.order`). */
  historyOrder: HistoryOrder;
}

export interface LegacyTextRule {
  encoding: LegacyEncoding;
  /** National-model paths, lists written with `[]`: `summary`, `applicant.name`, `history[].content`. */
  fields: ReadonlySet<string>;
  /** `detect`: decode only text that looks legacy (see legacyText.ts); `always`: decode every value. */
  mode: 'detect' | 'always';
  /**
   * JSONata predicate over the record, or null: true decodes the fields always, false leaves them,
   * anything else falls back to `mode`. Evaluated with the mapping (`recordExpressions`).
   */
  when: string | null;
}

/**
 * Where the mapping's output carries the values of the registration's expressions over the
 * record (not fields of the national model): the status table's select, each legacy rule's `when`.
 */
const STATUS_SELECT_KEY = '@statuses.byRecord.select';
const legacyWhenKey = (index: number) => `@legacyText.${index}.when`;

/**
 * The expressions over the record that the tables need, keyed as `normaliseDossier` reads them
 * back from the mapping's output: a declarative connector adds them to its mappings, so that they
 * are evaluated with the mapping, once per record (plain paths and simple comparisons without
 * JSONata, as the mapping's own fields are).
 */
export function recordExpressions(tables: NormalisationTables): Record<string, string> {
  const expressions: Record<string, string> = {};
  if (tables.statusSelect !== undefined && tables.statusSelect !== null)
    expressions[STATUS_SELECT_KEY] = tables.statusSelect;
  tables.legacyText.forEach((rule, index) => {
    if (rule.when !== null) expressions[legacyWhenKey(index)] = rule.when;
  });
  return expressions;
}

export const NATIONAL_CHANNELS: ReadonlyMap<string, ChannelCode> = new Map([
  ['1', 1],
  ['2', 2],
  ['3', 3],
]);

export const NATIONAL_APPLICANT_TYPES: ReadonlyMap<string, ApplicantTypeCode> = new Map([
  ['1', 1],
  ['2', 2],
  ['3', 3],
  ['4', 4],
]);

/** Raised when a record cannot be a dossier at all (no code, no status). */
export class UnreadableRecordError extends Error {
  override readonly name = 'UnreadableRecordError';
}

type Raw = Record<string, unknown>;

/**
 * Turns the output of a mapping (raw values picked from the upstream record) into a national
 * dossier: text to NFC, dates to ISO 8601 +07:00, statuses and channels through their tables.
 * Values that cannot be read become null with a warning naming the field; identifiers are kept
 * exactly as sent.
 */
export function normaliseDossier(mapped: unknown, tables: NormalisationTables): NationalDossier {
  if (!isRecord(mapped)) throw new UnreadableRecordError('the mapping produced no object');
  const warnings: MappingWarning[] = [];
  const reader = new FieldReader(warnings, tables);

  const code = reader.identifier(mapped.code, 'code');
  if (code === null) throw new UnreadableRecordError('the record has no dossier code');
  const rawStatus = reader.identifier(mapped.status, 'status');
  if (rawStatus === null) throw new UnreadableRecordError(`the record for ${code} has no status`);
  const agencyCode = reader.identifier(mapped.agencyCode, 'agencyCode');
  // The status table of the dossier's agency (`statuses.byAgency`) and of the value its record
  // selects (`statuses.byRecord`), for it and its history.
  reader.statuses = statusTableFor(
    tables.statuses,
    agencyCode ?? codeAgency(code),
    (tables.statusSelect ?? null) === null
      ? null
      : selectedValue(mapped[STATUS_SELECT_KEY], reader),
  );
  // Each legacy rule's `when` for this record: decode always, never, or as the rule's mode says.
  reader.legacyModes = tables.legacyText.map((rule, index) => {
    const when = rule.when === null ? undefined : mapped[legacyWhenKey(index)];
    return when === true ? 'always' : when === false ? 'never' : rule.mode;
  });

  const applicant = isRecord(mapped.applicant) ? mapped.applicant : {};
  // The dossier's own date fields given without a time (history steps etc. keep their own).
  const own: DateField[] = [];
  return {
    code,
    procedureCode: reader.identifier(mapped.procedureCode, 'procedureCode'),
    procedureName: reader.text(mapped.procedureName, 'procedureName'),
    fieldCode: reader.identifier(mapped.fieldCode, 'fieldCode'),
    fieldName: reader.text(mapped.fieldName, 'fieldName'),
    agencyCode,
    agencyName: reader.text(mapped.agencyName, 'agencyName'),
    channel: reader.channel(mapped.channel, 'channel'),
    applicant: {
      name: reader.text(applicant.name, 'name', 'applicant.'),
      type: reader.applicantType(applicant.type, 'type', 'applicant.'),
      ids: reader.list(applicant.ids, 'ids', 'applicant.').flatMap((item, index) => {
        const at = `applicant.ids[${index}].`;
        const number = reader.identifier(item.number, 'number', at);
        if (number === null) return [];
        const type = reader.identifier(item.type, 'type', at);
        const problem = idShapeProblem(type, number);
        if (problem !== null) warnings.push({ field: `${at}number`, problem });
        return [{ type, number }];
      }),
      phone: reader.identifier(applicant.phone, 'phone', 'applicant.'),
      email: reader.identifier(applicant.email, 'email', 'applicant.'),
      address: reader.text(applicant.address, 'address', 'applicant.'),
    },
    summary: reader.text(mapped.summary, 'summary'),
    files: reader.list(mapped.files, 'files').map((item, index) => {
      const at = `files[${index}].`;
      return {
        name: reader.text(item.name, 'name', at, 'files[].'),
        url: reader.identifier(item.url, 'url', at),
      };
    }),
    receivedAt: reader.date(mapped.receivedAt, 'receivedAt', '', own),
    dueAt: reader.date(mapped.dueAt, 'dueAt', '', own),
    finishedAt: reader.date(mapped.finishedAt, 'finishedAt', '', own),
    returnedAt: reader.date(mapped.returnedAt, 'returnedAt', '', own),
    status: reader.status(rawStatus, 'status'),
    history: oldestFirst(
      reader.list(mapped.history, 'history').map((item, index) => {
        const at = `history[${index}].`;
        const declared = 'history[].';
        const status = reader.identifier(item.status, 'status', at);
        const untimed: DateField[] = [];
        return withUntimed(
          {
            at: reader.date(item.at, 'at', at, untimed),
            actor: reader.text(item.actor, 'actor', at, declared),
            actorTitle: reader.text(item.actorTitle, 'actorTitle', at, declared),
            department: reader.text(item.department, 'department', at, declared),
            content: reader.text(item.content, 'content', at, declared),
            status: status === null ? null : reader.status(status, 'status', at),
            startedAt: reader.date(item.startedAt, 'startedAt', at, untimed),
            dueAt: reader.date(item.dueAt, 'dueAt', at, untimed),
          },
          untimed,
        );
      }),
      tables.historyOrder,
    ),
    fees: reader.list(mapped.fees, 'fees').map((item, index): Fee => ({
      name: reader.text(item.name, 'name', `fees[${index}].`, 'fees[].'),
      ...reader.amount(item.amount, 'amount', `fees[${index}].`),
    })),
    results: reader.list(mapped.results, 'results').map((item, index) => {
      const at = `results[${index}].`;
      const untimed: DateField[] = [];
      return withUntimed(
        {
          name: reader.text(item.name, 'name', at, 'results[].'),
          number: reader.identifier(item.number, 'number', at),
          issuedAt: reader.date(item.issuedAt, 'issuedAt', at, untimed),
          url: reader.identifier(item.url, 'url', at),
        },
        untimed,
      );
    }),
    supplements: reader.list(mapped.supplements, 'supplements').map((item, index) => {
      const at = `supplements[${index}].`;
      const untimed: DateField[] = [];
      return withUntimed(
        {
          requestedAt: reader.date(item.requestedAt, 'requestedAt', at, untimed),
          dueBefore: reader.date(item.dueBefore, 'dueBefore', at, untimed),
          dueAfter: reader.date(item.dueAfter, 'dueAfter', at, untimed),
          reason: reader.text(item.reason, 'reason', at, 'supplements[].'),
        },
        untimed,
      );
    }),
    interAgency: interAgency(reader, mapped.interAgency, code),
    digital: digitalFacts(reader, isRecord(mapped.digital) ? mapped.digital : {}),
    ...(own.length > 0 ? { datesWithoutTime: own } : {}),
    warnings,
  };
}

/** `value` with its `datesWithoutTime` when any of its dates had no time (else without the key). */
function withUntimed<T extends object>(
  value: T,
  untimed: DateField[],
): T & { datesWithoutTime?: DateField[] } {
  return untimed.length > 0 ? { ...value, datesWithoutTime: untimed } : value;
}

/** The 2022 sync format's indicator fields: the place of submission as sent, the rest flags. */
function digitalFacts(reader: FieldReader, raw: Raw): DigitalFacts {
  const at = 'digital.';
  return {
    submittedVia: reader.identifier(raw.submittedVia, 'submittedVia', at),
    digitised: reader.flag(raw.digitised, 'digitised', at),
    vneidVerified: reader.flag(raw.vneidVerified, 'vneidVerified', at),
    paidOnline: reader.flag(raw.paidOnline, 'paidOnline', at),
    electronicResult: reader.flag(raw.electronicResult, 'electronicResult', at),
    syncedToPortal: reader.flag(raw.syncedToPortal, 'syncedToPortal', at),
  };
}

/**
 * The value `statuses.byRecord.select` gave, as text, or null (no value: the table without the
 * record's). No value (a listing's records lacking the field), several values or an object cannot
 * name a table: a warning says so (never the value: warnings carry no personal data).
 */
function selectedValue(value: unknown, reader: FieldReader): string | null {
  const text =
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
      ? String(value).trim()
      : null;
  if (value === undefined || value === null || text === '') {
    reader.warnStatus(
      'statuses.byRecord.select gave no value: the status table without byRecord is used',
    );
    return null;
  }
  if (text !== null) return text;
  reader.warnStatus(
    `statuses.byRecord.select gave ${Array.isArray(value) ? 'several values' : 'an object'}, not one value: the status table without byRecord is used`,
  );
  return null;
}

const YES = new Set(['1', 'true', 'co', 'có', 'yes', 'y']);
const NO = new Set(['0', 'false', 'khong', 'không', 'no', 'n']);

/** The agency part of a dossier code: what comes before its first `-`. */
function codeAgency(code: string): string | null {
  const dash = code.indexOf('-');
  return dash > 0 ? code.slice(0, dash) : null;
}

/**
 * Reads the mapped values into the model. Callers read each value themselves (`mapped.dueAt`) and
 * pass it with its name for warnings: a literal property read is a fast one, where one
 * `from[key]` for every field of every object was the slowest kind.
 */
class FieldReader {
  /** The status table that reads this record's statuses (`statuses.byAgency`, `byRecord`). */
  statuses: StatusTable;
  /** How this record's free text is read, rule by rule (`legacyText`, its `when`s applied). */
  legacyModes: ReadonlyArray<'detect' | 'always' | 'never'> = [];

  constructor(
    private readonly warnings: MappingWarning[],
    private readonly tables: NormalisationTables,
  ) {
    this.statuses = tables.statuses;
  }

  /** A scalar as text, exactly as sent (codes, numbers, phone numbers, URLs). */
  identifier(value: unknown, key: string, at = ''): string | null {
    if (value === undefined || value === null) return null;
    if (Array.isArray(value)) {
      if (value.length === 0) return null;
      this.warn(`${at}${key}`, `several values (${value.length}); the first is used`);
      return this.identifier(value[0], key, at);
    }
    if (typeof value === 'string') {
      const trimmed = value.trim();
      return trimmed === '' ? null : trimmed;
    }
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    this.warn(`${at}${key}`, `an object where a value was expected; ignored`);
    return null;
  }

  /**
   * Free text: NFC, trimmed. `declaredAt` is `at` as legacy-text fields are declared, lists
   * written with `[]` (`history[].` for `history[3].`).
   */
  text(raw: unknown, key: string, at = '', declaredAt = at): string | null {
    const value = this.identifier(raw, key, at);
    if (value === null) return null;
    const field = declaredAt + key;
    const rules = this.tables.legacyText;
    for (let index = 0; index < rules.length; index += 1) {
      const rule = rules[index] as LegacyTextRule;
      if (!rule.fields.has(field)) continue;
      const mode = this.legacyModes[index] ?? rule.mode;
      if (mode === 'always' || (mode === 'detect' && looksLegacy(value, rule.encoding))) {
        this.warn(`${at}${key}`, `decoded from ${rule.encoding.toUpperCase()}`);
        return normaliseText(decodeLegacy(value, rule.encoding));
      }
      break;
    }
    return normaliseText(value);
  }

  /**
   * A date as ISO 8601 +07:00. One given without a time of day is named in `untimed` and placed at
   * the end of the standard working day when it is a due date, else at the start of its day
   * (model.ts `DATE_ONLY_DUE_TIME`; the gateway re-places a due date by the agency's hours).
   */
  date(value: unknown, key: DateField, at: string, untimed: DateField[]): string | null {
    const raw = this.identifier(value, key, at);
    if (raw === null) return null;
    const parsed = parseUpstreamDate(raw, this.tables.dates);
    if (!parsed.ok) {
      this.warn(`${at}${key}`, parsed.problem);
      return null;
    }
    if (parsed.timeGiven) return parsed.value;
    untimed.push(key);
    const day = parsed.value.slice(0, 10);
    return day + (DUE_FIELDS.has(key) ? DATE_ONLY_DUE_TIME : DATE_ONLY_EVENT_TIME);
  }

  status(raw: string, key: string, at = ''): StatusValue {
    const status = mapStatus(raw, this.statuses);
    if (status.code === null) {
      this.warn(`${at}${key}`, `status "${raw}" is not in the registration's status table`);
    }
    return status;
  }

  channel(value: unknown, key: string): ChannelValue | null {
    const raw = this.identifier(value, key);
    if (raw === null) return null;
    const code = this.tables.channels.get(tableKey(raw)) ?? null;
    if (code === null)
      this.warn(key, `channel "${raw}" is not in the registration's channel table`);
    return { code, raw };
  }

  applicantType(value: unknown, key: string, at: string): ApplicantTypeCode | null {
    const raw = this.identifier(value, key, at);
    if (raw === null) return null;
    const code = this.tables.applicantTypes.get(tableKey(raw)) ?? null;
    if (code === null) this.warn(`${at}${key}`, `applicant type "${raw}" is not in the table`);
    return code;
  }

  /** A yes/no value: 1/0, true/false, có/không (any case); anything else is a warning and null. */
  flag(value: unknown, key: string, at = ''): boolean | null {
    const raw = this.identifier(value, key, at);
    if (raw === null) return null;
    const folded = raw.normalize('NFC').toLowerCase();
    if (YES.has(folded)) return true;
    if (NO.has(folded)) return false;
    this.warn(
      `${at}${key}`,
      `"${raw.slice(0, 40)}" is not a yes/no value (1/0, true/false, có/không)`,
    );
    return null;
  }

  /** A fee's amount in VND, or words for no fee ("Không thu"), with the text as sent (feeAmount.ts). */
  amount(value: unknown, key: string, at: string): ReturnType<typeof feeAmountFields>['fields'] {
    const { fields, problem } = feeAmountFields(this.identifier(value, key, at));
    if (problem !== null) this.warn(`${at}${key}`, problem);
    return fields;
  }

  list(value: unknown, key: string, at = ''): readonly Raw[] {
    if (value === undefined || value === null) return NO_ITEMS;
    const items: unknown[] = Array.isArray(value) ? value : [value];
    // Mapped lists are nearly always lists of objects: read as they are, not copied.
    if (items.every(isRecord)) return items as readonly Raw[];
    const records = items.filter(isRecord);
    this.warn(`${at}${key}`, `${items.length - records.length} entries are not objects; ignored`);
    return records;
  }

  warnStatus(problem: string): void {
    this.warn('status', problem);
  }

  private warn(field: string, problem: string): void {
    this.warnings.push({ field, problem });
  }
}

/** An empty list, shared (`list` results are only read). */
const NO_ITEMS: readonly Raw[] = Object.freeze([]);

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The inter-agency links a record names, without itself and without duplicates. */
function interAgency(
  reader: FieldReader,
  raw: unknown,
  own: string,
): NationalDossier['interAgency'] {
  if (!isRecord(raw)) return { reference: null, parts: [] };
  // Another agency's part may carry the same code (a shared code): only a bare repeat of the
  // record's own code, or a repeated pair, is dropped.
  const seen = new Set<string>([`${own}|`]);
  const parts = reader.list(raw.parts, 'parts', 'interAgency.').flatMap((item, index) => {
    const at = `interAgency.parts[${index}].`;
    const code = reader.identifier(item.code, 'code', at);
    const agencyCode = reader.identifier(item.agencyCode, 'agencyCode', at);
    const key = `${code}|${agencyCode ?? ''}`;
    if (code === null || seen.has(key)) return [];
    seen.add(key);
    return [{ code, agencyCode }];
  });
  return { reference: reader.identifier(raw.reference, 'reference', 'interAgency.'), parts };
}
