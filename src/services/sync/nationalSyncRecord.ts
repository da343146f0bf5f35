import { DateTime } from 'luxon';
import type { DateField, NationalDossier, StatusValue } from '../../../connectors/model';
import type { ListSpec } from '../../../connectors/shared/dossierMapping';
import { NATIONAL_MAPPING } from '../../../connectors/national-sync/nationalMapping';

/**
 * A dossier in the national sync format (DongBoHoSoMC with its history CapNhatTienDoHoSoMC;
 * docs/domain.md §3): every value a string, dates `yyyyMMddHHmmss` in Vietnam time, the national
 * status code. The field names are those of the `national-sync` kind's mapping
 * (connectors/national-sync/nationalMapping.ts), read backwards, so a record made here and read
 * with that mapping gives back the same dossier (test/unit/nationalSyncRecord.test.ts).
 *
 * Beyond that mapping: `MaDonVi` (the agency's code, which the kind does not read unless a
 * registration maps it) and `SoGiayToChuHoSo` (the first ID number, for receivers of the older
 * format; `DinhDanhCHS` wins when both are read). A value the dossier does not have is left out,
 * never sent as an empty string; an unmapped status (code null) leaves `TrangThaiHoSo` out.
 *
 * A date the system gave without a time (`datesWithoutTime`) is written as its day alone,
 * `yyyyMMdd` (8 digits), not `yyyyMMddHHmmss`: the format has no way to say "no time", and any
 * time written would be one the system never gave (the gateway's end-of-working-day reading
 * depends on the agency's hours, which the receiver applies by its own rules). A receiver that
 * reads only 14 digits refuses the value rather than taking an invented time; the `national-sync`
 * kind reads it back as a date without a time (docs/domain.md §3).
 */
export function nationalSyncRecord(dossier: NationalDossier): Record<string, unknown> {
  const m = NAMES;
  const record: Record<string, unknown> = {};
  put(record, m.code, dossier.code);
  put(record, m.status, statusCode(dossier.status));
  put(record, m.procedureCode, dossier.procedureCode);
  put(record, m.procedureName, dossier.procedureName);
  put(record, m.fieldCode, dossier.fieldCode);
  put(record, m.fieldName, dossier.fieldName);
  put(record, 'MaDonVi', dossier.agencyCode);
  put(record, m.agencyName, dossier.agencyName);
  // `ALL` (every channel) is no national code: left out rather than invented.
  put(
    record,
    m.channel,
    dossier.channel === null || dossier.channel.code === 'ALL'
      ? null
      : dossier.channel.code === null
        ? dossier.channel.raw
        : String(dossier.channel.code),
  );
  put(record, m.summary, dossier.summary);
  const date = (field: DateField, iso: string | null) => syncDate(dossier, field, iso);
  put(record, m.receivedAt, date('receivedAt', dossier.receivedAt));
  put(record, m.dueAt, date('dueAt', dossier.dueAt));
  put(record, m.finishedAt, date('finishedAt', dossier.finishedAt));
  put(record, m.returnedAt, date('returnedAt', dossier.returnedAt));

  const applicant = dossier.applicant;
  put(record, m.applicantName, applicant.name);
  put(record, m.applicantType, applicant.type === null ? null : String(applicant.type));
  put(record, m.phone, applicant.phone);
  put(record, m.email, applicant.email);
  put(record, m.address, applicant.address);
  if (applicant.ids.length > 0) {
    put(record, 'SoGiayToChuHoSo', applicant.ids[0]?.number ?? null);
    record[m.ids.each] = applicant.ids.map((id) =>
      item(m.ids.fields, { type: id.type, number: id.number }),
    );
  }
  list(record, m.files, dossier.files, (file) => ({ name: file.name, url: file.url }));
  list(record, m.history, dossier.history, (step) => ({
    at: syncDate(step, 'at', step.at),
    actor: step.actor,
    actorTitle: step.actorTitle,
    department: step.department,
    content: step.content,
    status: step.status === null ? null : statusCode(step.status),
    startedAt: syncDate(step, 'startedAt', step.startedAt),
    dueAt: syncDate(step, 'dueAt', step.dueAt),
  }));
  // History steps carry the dossier's code too (CapNhatTienDoHoSoMC).
  const steps = record[m.history.each];
  if (Array.isArray(steps))
    for (const step of steps as Array<Record<string, unknown>>) step.MaHoSo = dossier.code;
  list(record, m.fees, dossier.fees, (fee) => ({
    name: fee.name,
    // The amount as the system wrote it when known ("50.000 đồng", "Không thu"), else the number.
    amount: fee.text ?? (fee.amount === null ? null : String(fee.amount)),
  }));
  list(record, m.results, dossier.results, (result) => ({
    name: result.name,
    number: result.number,
    issuedAt: syncDate(result, 'issuedAt', result.issuedAt),
    url: result.url,
  }));
  list(record, m.supplements, dossier.supplements, (round) => ({
    requestedAt: syncDate(round, 'requestedAt', round.requestedAt),
    dueBefore: syncDate(round, 'dueBefore', round.dueBefore),
    dueAfter: syncDate(round, 'dueAfter', round.dueAfter),
    reason: round.reason,
  }));
  const digital = dossier.digital;
  if (digital !== undefined) {
    put(record, m.digital.submittedVia, digital.submittedVia);
    put(record, m.digital.digitised, flag(digital.digitised));
    put(record, m.digital.vneidVerified, flag(digital.vneidVerified));
    put(record, m.digital.paidOnline, flag(digital.paidOnline));
  }
  return record;
}

/** A date field as the national record writes it: `yyyyMMdd` when given without a time. */
function syncDate(
  holder: { datesWithoutTime?: readonly DateField[] | undefined },
  field: DateField,
  iso: string | null,
): string | null {
  const time = syncTime(iso);
  return time !== null && holder.datesWithoutTime?.includes(field) === true
    ? time.slice(0, 8)
    : time;
}

/** An ISO 8601 time as `yyyyMMddHHmmss` in Vietnam time (null stays null). */
export function syncTime(iso: string | null): string | null {
  if (iso === null) return null;
  const time = DateTime.fromISO(iso, { setZone: true });
  if (!time.isValid) return null;
  return time.setZone('Asia/Ho_Chi_Minh').toFormat('yyyyMMddHHmmss');
}

function statusCode(status: StatusValue): string | null {
  return status.code === null ? null : String(status.code);
}

function flag(value: boolean | null): string | null {
  return value === null ? null : value ? '1' : '0';
}

function put(record: Record<string, unknown>, name: string, value: string | null): void {
  if (value !== null) record[name] = value;
}

function item<K extends string>(
  names: Readonly<Record<K, string>>,
  values: Readonly<Record<K, string | null>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(names) as K[]) {
    const value = values[key];
    if (value !== null) out[names[key]] = value;
  }
  return out;
}

function list<T, K extends string>(
  record: Record<string, unknown>,
  spec: { each: string; fields: Readonly<Record<K, string>> },
  items: readonly T[],
  values: (item: T) => Record<K, string | null>,
): void {
  if (items.length > 0) record[spec.each] = items.map((entry) => item(spec.fields, values(entry)));
}

/** A name of the national mapping: a plain field name, as the reverse mapping needs. */
function plain(expression: string | undefined, what: string): string {
  if (expression === undefined || !/^[A-Za-z][A-Za-z0-9]*$/.test(expression))
    throw new Error(`nationalMapping.ts: ${what} is not a plain field name`);
  return expression;
}

function plainList<K extends string>(
  spec: ListSpec<K> | undefined,
  keys: readonly K[],
  what: string,
  each?: string,
): { each: string; fields: Record<K, string> } {
  if (spec === undefined) throw new Error(`nationalMapping.ts: no ${what}`);
  const fields = Object.fromEntries(
    keys.map((key) => [key, plain(spec.fields[key], `${what}.${key}`)]),
  ) as Record<K, string>;
  return { each: each ?? plain(spec.each, `${what}.each`), fields };
}

/**
 * The national mapping's field names, checked plain when this module loads. The applicant's IDs
 * are read by an expression (`DinhDanhCHS`, else `SoGiayToChuHoSo`): written as `DinhDanhCHS`.
 */
const NAMES = (() => {
  const n = NATIONAL_MAPPING;
  const a = n.applicant ?? {};
  const d = n.digital ?? {};
  return {
    code: plain(n.code, 'code'),
    status: plain(n.status, 'status'),
    procedureCode: plain(n.procedureCode, 'procedureCode'),
    procedureName: plain(n.procedureName, 'procedureName'),
    fieldCode: plain(n.fieldCode, 'fieldCode'),
    fieldName: plain(n.fieldName, 'fieldName'),
    agencyName: plain(n.agencyName, 'agencyName'),
    channel: plain(n.channel, 'channel'),
    summary: plain(n.summary, 'summary'),
    receivedAt: plain(n.receivedAt, 'receivedAt'),
    dueAt: plain(n.dueAt, 'dueAt'),
    finishedAt: plain(n.finishedAt, 'finishedAt'),
    returnedAt: plain(n.returnedAt, 'returnedAt'),
    applicantName: plain(a.name, 'applicant.name'),
    applicantType: plain(a.type, 'applicant.type'),
    phone: plain(a.phone, 'applicant.phone'),
    email: plain(a.email, 'applicant.email'),
    address: plain(a.address, 'applicant.address'),
    ids: plainList(a.ids, ['type', 'number'], 'applicant.ids', 'DinhDanhCHS'),
    files: plainList(n.files, ['name', 'url'], 'files'),
    history: plainList(
      n.history,
      ['at', 'actor', 'actorTitle', 'department', 'content', 'status', 'startedAt', 'dueAt'],
      'history',
    ),
    fees: plainList(n.fees, ['name', 'amount'], 'fees'),
    results: plainList(n.results, ['name', 'number', 'issuedAt', 'url'], 'results'),
    supplements: plainList(
      n.supplements,
      ['requestedAt', 'dueBefore', 'dueAfter', 'reason'],
      'supplements',
    ),
    digital: {
      submittedVia: plain(d.submittedVia, 'digital.submittedVia'),
      digitised: plain(d.digitised, 'digital.digitised'),
      vneidVerified: plain(d.vneidVerified, 'digital.vneidVerified'),
      paidOnline: plain(d.paidOnline, 'digital.paidOnline'),
    },
  };
})();
