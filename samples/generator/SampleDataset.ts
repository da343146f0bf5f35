import { readFileSync } from 'node:fs';
import { DateTime, FixedOffsetZone } from 'luxon';
import { LRUCache } from 'lru-cache';
import { parse as parseYaml } from 'yaml';
import { canonicalAgencyCode, shortForm } from '../../connectors/shared/agencyCode';
import { Random, hash32, unit } from './random';
import { linksOf, partsOf, type Chain, type ChainPart, type SampleSystemName } from './interAgency';
import {
  COMPANY_WORDS,
  FAMILY_NAMES,
  GIVEN_NAMES,
  MIDDLE_NAMES,
  OFFICIALS,
  STREETS,
  TITLES,
  type SampleProcedure,
} from './vocabulary';

export const VIETNAM = FixedOffsetZone.instance(7 * 60);
/** Sample dossiers are received from this day… */
export const DATASET_START = DateTime.fromISO('2024-01-01T00:00:00', { zone: VIETNAM });
/** …to this day, which is also the dataset's "now" for statuses. */
export const DATASET_END = DateTime.fromISO('2026-10-31T23:59:59', { zone: VIETNAM });

/** How far before `since` a changed-since listing looks at generated dossiers (listChangedSince). */
export const CHANGED_SINCE_WINDOW_DAYS = 120;

export interface SampleAgency {
  code: string;
  name: string;
  validFrom: string | null;
  validTo: string | null;
  /** Relative share of dossiers received. */
  weight: number;
}

export interface SampleHistoryStep {
  at: DateTime;
  actor: string;
  title: string;
  department: string;
  content: string;
  status: number;
  startedAt: DateTime;
  dueAt: DateTime | null;
}

/** One generated dossier, before a sample system renders it in its own format. */
export interface SampleDossier {
  code: string;
  agency: SampleAgency;
  procedure: SampleProcedure;
  /** 1 in person, 2 online, 3 postal. */
  channel: 1 | 2 | 3;
  applicant: {
    name: string;
    type: 1 | 2;
    idType: '1' | '2' | null;
    idNumber: string;
    phone: string;
    email: string | null;
    address: string;
  };
  summary: string;
  files: Array<{ name: string; url: string }>;
  receivedAt: DateTime;
  dueAt: DateTime;
  finishedAt: DateTime | null;
  returnedAt: DateTime | null;
  /** National status 1–10. */
  status: number;
  history: SampleHistoryStep[];
  fees: Array<{ name: string; amount: number }>;
  results: Array<{ name: string; number: string; issuedAt: DateTime; url: string }>;
  supplements: Array<{
    requestedAt: DateTime;
    dueBefore: DateTime;
    dueAfter: DateTime;
    reason: string;
  }>;
  /** For an inter-agency part whose system names them: the shared reference and the other parts. */
  interAgency?: { reference: string; parts: Array<{ code: string; agencyCode: string }> };
}

export interface SampleDatasetOptions {
  /** Which agencies of the directory receive this system's dossiers. */
  holds: (agencyCode: string) => boolean;
  /** Agency directory file the units come from. */
  directoryFile: string;
  procedures: readonly SampleProcedure[];
  /** About how many dossiers the system holds. */
  size: number;
  seed: number;
  /** Wards or communes with their province, for applicants' addresses. */
  places: readonly string[];
  /** Base URL for file links. */
  fileBaseUrl: string;
  /** Which sample system this is: it also holds its parts of the inter-agency chains. */
  system?: SampleSystemName;
  /**
   * Agencies whose dossier codes the system writes in its own form, not the standard one: the
   * short agency code, the day as yyyyMMdd and seven digits (`G09.22-20260609-0000137`), as a
   * ministry system does (issue 20, item 5).
   */
  ownCodes?: ReadonlySet<string>;
}

/**
 * A sample system's dossiers, generated on demand: the number received by each agency on each day
 * and every dossier's content derive from (seed, code), so lookups by code, listings and any size
 * up to millions cost no memory.
 */
export class SampleDataset {
  readonly agencies: readonly SampleAgency[];
  private readonly byCode: ReadonlyMap<string, SampleAgency>;
  private readonly perDay: number;
  /** Status changes made while running (`setStatus`), applied over the generated dossiers. */
  private readonly changes = new Map<string, Array<{ status: number; at: DateTime }>>();
  private readonly chainParts: ReadonlyMap<string, { chain: Chain; part: ChainPart }>;
  /**
   * Recently generated dossiers: a system answers the same codes again and again (benchmarks,
   * the portal's repeated lookups), and generating one with luxon costs ≈250 µs — a real system
   * reads a row. Bounded, so millions of codes listed once still cost no memory.
   */
  private readonly recent = new LRUCache<string, SampleDossier>({ max: 20_000 });

  constructor(private readonly options: SampleDatasetOptions) {
    const directory = parseYaml(readFileSync(options.directoryFile, 'utf8')) as {
      agencies: Array<{
        code: string;
        name: string;
        level: number;
        validFrom?: string;
        validTo?: string;
      }>;
    };
    this.agencies = directory.agencies
      .filter((agency) => options.holds(agency.code))
      .map((agency) => ({
        code: agency.code,
        name: agency.name,
        validFrom: agency.validFrom ?? null,
        validTo: agency.validTo ?? null,
        // Service centres receive most dossiers; the province or ministry itself few.
        weight: /Trung tâm/.test(agency.name) ? 4 : agency.level === 1 ? 0.5 : 1,
      }));
    this.byCode = new Map(this.agencies.map((agency) => [agency.code, agency]));
    this.chainParts = options.system === undefined ? new Map() : partsOf(options.system);
    let weightedDays = 0;
    for (const agency of this.agencies) {
      for (let day = DATASET_START; day <= DATASET_END; day = day.plus({ days: 1 })) {
        if (this.isOpen(agency, day)) weightedDays += agency.weight * dayWeight(day);
      }
    }
    this.perDay = weightedDays === 0 ? 0 : options.size / weightedDays;
  }

  /** How many dossiers `agency` received on `day` (none outside the dataset's dates). */
  countOn(agency: SampleAgency, day: DateTime): number {
    if (day < DATASET_START.startOf('day') || day > DATASET_END || !this.isOpen(agency, day))
      return 0;
    const expected = this.perDay * agency.weight * dayWeight(day);
    const whole = Math.floor(expected);
    const extra =
      unit(this.options.seed, `${agency.code}:${day.toISODate()}`) < expected - whole ? 1 : 0;
    // Sequence numbers from 9001 on belong to the inter-agency chains.
    return Math.min(9000, whole + extra);
  }

  /** Every code of the dataset in order of agency, then day (a generator: no list in memory). */
  *codes(): Generator<string> {
    for (const agency of this.agencies) {
      for (let day = DATASET_START; day <= DATASET_END; day = day.plus({ days: 1 })) {
        const count = this.countOn(agency, day);
        for (let n = 1; n <= count; n += 1) yield this.codeOf(agency, day, n);
      }
    }
  }

  /**
   * The dossiers `agencyCode` received from `from` to `to` (yyyy-MM-dd, both included), in order
   * of day and number — or, for `null`, every unit's, in order of day, unit (as in the directory)
   * and number: `limit` of them from `offset`, and how many there are in all. Generated as they
   * are read, so a listing over a million dossiers holds one page in memory.
   */
  listReceived(
    agencyCode: string | null,
    from: string,
    to: string,
    offset: number,
    limit: number,
  ): { total: number; dossiers: SampleDossier[] } {
    const agency = agencyCode === null ? undefined : this.byCode.get(agencyCode);
    if (agencyCode !== null && agency === undefined) return { total: 0, dossiers: [] };
    const units = agency === undefined ? this.agencies : [agency];
    const first = DateTime.fromISO(from, { zone: VIETNAM }).startOf('day');
    const last = DateTime.fromISO(to, { zone: VIETNAM }).startOf('day');
    if (!first.isValid || !last.isValid) return { total: 0, dossiers: [] };
    let day = first < DATASET_START ? DATASET_START.startOf('day') : first;
    const end = last > DATASET_END ? DATASET_END.startOf('day') : last;
    let index = 0;
    const dossiers: SampleDossier[] = [];
    for (; day <= end; day = day.plus({ days: 1 })) {
      for (const unit of units) {
        const count = this.countOn(unit, day);
        if (index + count <= offset || dossiers.length >= limit) {
          index += count;
          continue;
        }
        for (let n = 1; n <= count; n += 1, index += 1) {
          if (index >= offset && dossiers.length < limit)
            dossiers.push(this.get(this.codeOf(unit, day, n)) as SampleDossier);
        }
      }
    }
    return { total: index, dossiers };
  }

  /**
   * The dossiers that changed at or after `since` — whose newest history step is then —, in order
   * of code: `limit` of them from `offset`, and how many there are in all. A real system keeps a
   * modification time per row; this one looks at the dossiers changed while running (`setStatus`)
   * and at the generated ones received from 120 days before `since` on (every unit's), so a
   * recent `since` costs a few months of dossiers at most (none once it is 120 days past the
   * data's end). A generated dossier received earlier whose last step came after `since` is not
   * listed: the sample's processing times are shorter than that.
   */
  listChangedSince(
    since: DateTime,
    offset: number,
    limit: number,
  ): { total: number; dossiers: SampleDossier[] } {
    const candidates = new Set(this.changes.keys());
    const from = since.minus({ days: CHANGED_SINCE_WINDOW_DAYS }).setZone(VIETNAM).toISODate();
    const to = DATASET_END.toISODate() as string;
    if (from !== null && from <= to) {
      const all = this.listReceived(null, from, to, 0, Number.MAX_SAFE_INTEGER);
      for (const dossier of all.dossiers) candidates.add(dossier.code);
    }
    const changed = [...candidates]
      .sort()
      .map((code) => this.get(code))
      .filter(
        (dossier): dossier is SampleDossier =>
          dossier !== undefined &&
          dossier.history.some((step) => step.at.toMillis() >= since.toMillis()),
      );
    return { total: changed.length, dossiers: changed.slice(offset, offset + limit) };
  }

  /** A spread of existing codes (every agency, old and recent), for examples and tests. */
  exampleCodes(perAgency: number): string[] {
    const codes: string[] = [];
    for (const agency of this.agencies) {
      let taken = 0;
      for (
        let day = DATASET_END.startOf('day');
        day >= DATASET_START && taken < perAgency;
        day = day.minus({ days: 37 })
      ) {
        if (this.countOn(agency, day) > 0) {
          codes.push(this.codeOf(agency, day, 1));
          taken += 1;
        }
      }
    }
    return codes;
  }

  /**
   * An official moves a dossier to a national status (1–10) at `at`: later reads show the new
   * status, a history step, and the finish and return times it implies. False when the system has
   * no such dossier.
   */
  setStatus(code: string, status: number, at: DateTime): boolean {
    if (!Number.isInteger(status) || status < 1 || status > 10) {
      throw new RangeError(`status must be a national status 1-10, got ${status}`);
    }
    if (this.get(code) === undefined) return false;
    this.changes.set(code, [...(this.changes.get(code) ?? []), { status, at }]);
    return true;
  }

  /** The dossier with this code, or undefined when the system has none. */
  get(code: string): SampleDossier | undefined {
    const generated = this.generated(code);
    const changes = generated === undefined ? undefined : this.changes.get(code);
    if (generated === undefined || changes === undefined) return generated;
    const dossier = { ...generated, history: [...generated.history] };
    for (const change of changes) {
      const first = dossier.history[0] as SampleHistoryStep;
      dossier.status = change.status;
      dossier.history.push({
        ...first,
        at: change.at,
        startedAt: change.at,
        dueAt: change.status === 4 ? dossier.dueAt : null,
        status: change.status,
        content: STATUS_CHANGE_NOTES[change.status] ?? 'Cập nhật trạng thái',
      });
      if (change.status >= 7 && dossier.finishedAt === null) dossier.finishedAt = change.at;
      if (change.status === 10 && dossier.returnedAt === null) dossier.returnedAt = change.at;
    }
    return dossier;
  }

  private generated(code: string): SampleDossier | undefined {
    let dossier = this.recent.get(code);
    if (dossier === undefined) {
      dossier = this.generatedNow(code);
      if (dossier !== undefined) this.recent.set(code, dossier);
    }
    return dossier;
  }

  /** A dossier's code: standard, or in the system's own form for the agencies that use one. */
  private codeOf(agency: SampleAgency, day: DateTime, n: number): string {
    return this.options.ownCodes?.has(agency.code) === true
      ? `${shortForm(agency.code)}-${day.toFormat('yyyyMMdd')}-${String(n).padStart(7, '0')}`
      : dossierCode(agency.code, day, n);
  }

  private generatedNow(code: string): SampleDossier | undefined {
    const chained = this.chainParts.get(code);
    if (chained !== undefined) return this.chainPart(chained.chain, chained.part);
    const match =
      /^(.+)-(\d{2})(\d{2})(\d{2})-(\d{4})$/.exec(code) ??
      /^([A-Z]\d{2}(?:\.\d{2})*)-\d{2}(\d{2})(\d{2})(\d{2})-(\d{7})$/.exec(code);
    if (match === null) return undefined;
    const [, written, yy, mm, dd, seq] = match as unknown as string[];
    const own = (seq as string).length === 7;
    const agencyCode = own ? canonicalAgencyCode(written as string) : (written as string);
    const agency = this.byCode.get(agencyCode);
    // Each agency's codes have one form: the system's own, or the standard one.
    if (agency === undefined || own !== (this.options.ownCodes?.has(agencyCode) === true))
      return undefined;
    const day = DateTime.fromObject(
      { year: 2000 + Number(yy), month: Number(mm), day: Number(dd) },
      { zone: VIETNAM },
    );
    if (!day.isValid || Number(seq) < 1 || Number(seq) > this.countOn(agency, day))
      return undefined;
    return this.generate(code, agency, day);
  }

  /** One part of an inter-agency chain: generated content, the chain's dates and steps. */
  private chainPart(chain: Chain, part: ChainPart): SampleDossier {
    const agency = this.byCode.get(part.agencyCode) as SampleAgency;
    const base = this.generate(part.code, agency, part.receivedAt.startOf('day'));
    const dueAt = addWorkingDays(part.receivedAt, part.days);
    const step = (when: DateTime, status: number, content: string, department: string) => ({
      at: when,
      actor: base.history[0]?.actor ?? 'Nguyễn Thị Hoa',
      title: 'Chuyên viên',
      department,
      content,
      status,
      startedAt: when,
      dueAt: status === 4 ? dueAt : null,
    });
    const history: SampleHistoryStep[] = [
      step(
        part.receivedAt,
        2,
        part.system === 'provincial' ? 'Tiếp nhận hồ sơ' : 'Tiếp nhận hồ sơ liên thông',
        'Bộ phận Một cửa',
      ),
    ];
    if (part.handedOverAt !== undefined)
      history.push(step(part.handedOverAt, 4, 'Chuyển hồ sơ liên thông', 'Bộ phận Một cửa'));
    else
      history.push(
        step(part.receivedAt.plus({ minutes: 30 }), 4, 'Thẩm định hồ sơ', 'Phòng chuyên môn'),
      );
    if (part.resultBackAt !== undefined)
      history.push(step(part.resultBackAt, 4, 'Nhận kết quả liên thông', 'Bộ phận Một cửa'));
    let status = 4;
    let finishedAt: DateTime | null = null;
    let returnedAt: DateTime | null = null;
    if (part.endedAt !== null) {
      finishedAt = part.endedAt;
      status = part.system === 'provincial' ? 10 : 9;
      history.push(step(part.endedAt, 9, 'Hoàn thành xử lý', 'Phòng chuyên môn'));
      if (status === 10) {
        returnedAt = part.endedAt;
        history.push(step(part.endedAt, 10, 'Trả kết quả', 'Bộ phận Một cửa'));
      }
    }
    return {
      ...base,
      procedure: { ...base.procedure, code: chain.procedureCode, name: chain.procedureName },
      receivedAt: part.receivedAt,
      dueAt,
      finishedAt,
      returnedAt,
      status,
      history,
      supplements: [],
      ...(part.links
        ? { interAgency: { reference: chain.reference, parts: linksOf(chain, part) } }
        : {}),
    };
  }

  private isOpen(agency: SampleAgency, day: DateTime): boolean {
    const date = day.toISODate() as string;
    return (
      (agency.validFrom === null || agency.validFrom <= date) &&
      (agency.validTo === null || date <= agency.validTo)
    );
  }

  private generate(code: string, agency: SampleAgency, day: DateTime): SampleDossier {
    const random = new Random(hash32(`${this.options.seed}:${code}`));
    const procedure = random.pick(this.options.procedures);
    const enterprise = random.chance(procedure.enterpriseShare);
    const name = `${random.pick(FAMILY_NAMES)} ${random.pick(MIDDLE_NAMES)} ${random.pick(GIVEN_NAMES)}`;
    const company = `Công ty TNHH ${random.pick(COMPANY_WORDS)}`;
    const address = `Số ${random.int(1, 250)}, đường ${random.pick(STREETS)}, ${random.pick(this.options.places)}`;
    const applicantName = enterprise ? company.toUpperCase() : name;
    const idType = enterprise ? null : random.chance(0.9) ? ('1' as const) : ('2' as const);
    const channel = random.weighted<1 | 2 | 3>([
      [1, 45],
      [2, 50],
      [3, 5],
    ]);

    // Received within office hours mostly; some after 17:00 (they count from the next morning).
    const afterHours = random.chance(0.08);
    const receivedAt = day.set({
      hour: afterHours ? random.int(17, 19) : random.pick([7, 8, 9, 10, 13, 14, 15, 16]),
      minute: random.int(0, 59),
      second: random.int(0, 59),
    });
    const dueAt = addWorkingDays(receivedAt, procedure.days).set({
      hour: 16,
      minute: 30,
      second: 0,
    });
    const ageDays = DATASET_END.diff(receivedAt, 'days').days;
    const status = pickStatus(random, ageDays, procedure.days);
    const late = random.chance(0.14);
    const supplementRounds =
      status === 5
        ? 1
        : random.weighted([
            [0, 86],
            [1, 11],
            [2, 3],
          ]);

    const department = random.pick(['Phòng chuyên môn', 'Lãnh đạo đơn vị']);
    const step = (
      when: DateTime,
      stepStatus: number,
      content: string,
      dept = department,
    ): SampleHistoryStep => {
      const at = withinOfficeHours(when);
      return {
        at,
        actor: random.pick(OFFICIALS),
        title: random.pick(TITLES[dept] ?? ['Chuyên viên']),
        department: dept,
        content,
        status: stepStatus,
        startedAt: at,
        dueAt: stepStatus === 4 ? dueAt : null,
      };
    };

    const history: SampleHistoryStep[] = [
      step(receivedAt, 2, 'Tiếp nhận hồ sơ', 'Bộ phận Một cửa'),
    ];
    const supplements: SampleDossier['supplements'] = [];
    let cursor = receivedAt.plus({ hours: random.int(2, 30) });
    let due = dueAt;
    if (status >= 4 || status === 3) {
      if (status === 3) {
        history.push(step(cursor, 3, 'Hồ sơ không đủ điều kiện tiếp nhận'));
      } else {
        history.push(step(cursor, 4, 'Chuyển xử lý chuyên môn'));
      }
    }
    for (let round = 0; round < supplementRounds && status >= 4 && status !== 7; round += 1) {
      const requestedAt = cursor.plus({ days: random.int(1, 3) });
      const dueAfter = addWorkingDays(due, random.int(2, 5));
      supplements.push({
        requestedAt,
        dueBefore: due,
        dueAfter,
        reason: 'Bổ sung bản sao giấy tờ còn thiếu',
      });
      history.push(step(requestedAt, 5, 'Yêu cầu bổ sung hồ sơ'));
      due = dueAfter;
      cursor = requestedAt.plus({ days: random.int(1, 4) });
      if (status !== 5 || round < supplementRounds - 1)
        history.push(step(cursor, 4, 'Đã nhận hồ sơ bổ sung'));
    }
    if (status === 6)
      history.push(step(cursor.plus({ days: 1 }), 6, 'Yêu cầu thực hiện nghĩa vụ tài chính'));

    let finishedAt: DateTime | null = null;
    let returnedAt: DateTime | null = null;
    if (status === 7 || status === 8 || status === 9 || status === 10) {
      const span = Math.max(1, due.diff(receivedAt, 'days').days);
      finishedAt = (
        late
          ? due.plus({ days: random.int(1, 12), hours: random.int(0, 6) })
          : receivedAt.plus({ days: span * (0.3 + 0.6 * random.next()) })
      ).startOf('second');
      if (finishedAt < cursor) finishedAt = cursor.plus({ hours: 2 });
      if (finishedAt > DATASET_END) finishedAt = DATASET_END.minus({ hours: 1 });
      const content =
        status === 7
          ? 'Công dân rút hồ sơ'
          : status === 8
            ? 'Dừng xử lý hồ sơ'
            : 'Hoàn thành xử lý';
      history.push(step(finishedAt, status === 10 ? 9 : status, content));
      if (status === 10) {
        returnedAt = finishedAt.plus({ hours: random.int(1, 48) });
        if (returnedAt > DATASET_END) returnedAt = DATASET_END;
        history.push(step(returnedAt, 10, 'Trả kết quả', 'Bộ phận Một cửa'));
      }
    }

    const results =
      status === 9 || status === 10
        ? [
            {
              name: procedure.result,
              number: `${random.int(1, 9999)}/${receivedAt.year}/${agency.code.slice(-3)}`,
              issuedAt: finishedAt as DateTime,
              url: `${this.options.fileBaseUrl}/ket-qua/${hash32(code).toString(16)}.pdf`,
            },
          ]
        : [];
    const fileCount = random.int(1, 3);
    const files = Array.from({ length: fileCount }, (_, index) => ({
      name: index === 0 ? 'Tờ khai.pdf' : `Giấy tờ kèm theo ${index}.pdf`,
      url: `${this.options.fileBaseUrl}/tep/${hash32(`${code}:${index}`).toString(16)}.pdf`,
    }));

    return {
      code,
      agency,
      procedure,
      channel,
      applicant: {
        name: applicantName,
        type: enterprise ? 2 : 1,
        // Citizens: a 12-digit citizen ID (or a 9-digit old card); enterprises: a 10-digit tax code.
        idType,
        idNumber:
          idType === null
            ? `28${random.digits(8)}`
            : idType === '1'
              ? `038${random.digits(9)}`
              : random.digits(9),
        phone: `${random.pick(['09', '03', '08'])}${random.digits(8)}`,
        email: random.chance(0.4) ? `${foldName(name)}${random.int(1, 99)}@gmail.com` : null,
        address,
      },
      summary: procedure.summary
        .replace('{name}', name)
        .replace('{company}', company)
        .replace('{address}', address),
      files,
      receivedAt,
      dueAt: due,
      finishedAt,
      returnedAt,
      status,
      history,
      // A dossier refused at intake is charged nothing.
      fees:
        procedure.fee > 0 && status !== 3
          ? [{ name: procedure.feeName, amount: procedure.fee }]
          : [],
      results,
      supplements,
    };
  }
}

const STATUS_CHANGE_NOTES: Record<number, string> = {
  4: 'Chuyển xử lý chuyên môn',
  5: 'Yêu cầu bổ sung hồ sơ',
  6: 'Yêu cầu thực hiện nghĩa vụ tài chính',
  7: 'Công dân rút hồ sơ',
  8: 'Dừng xử lý hồ sơ',
  9: 'Hoàn thành xử lý',
  10: 'Trả kết quả',
};

export function dossierCode(agencyCode: string, day: DateTime, n: number): string {
  return `${agencyCode}-${day.toFormat('yyMMdd')}-${String(n).padStart(4, '0')}`;
}

/** Officials act in office hours: a time outside 07:00–17:00 moves to 08:00 of the next weekday. */
function withinOfficeHours(time: DateTime): DateTime {
  if (time.hour >= 7 && time.hour < 17 && time.weekday < 6) return time;
  let next = time.hour >= 17 ? time.plus({ days: 1 }) : time;
  while (next.weekday >= 6) next = next.plus({ days: 1 });
  return next.set({ hour: 8, minute: time.minute, second: time.second });
}

/** Fewer dossiers at weekends (some centres open Saturday mornings). */
function dayWeight(day: DateTime): number {
  return day.weekday >= 6 ? 0.1 : 1;
}

function addWorkingDays(from: DateTime, days: number): DateTime {
  let date = from;
  let left = days;
  while (left > 0) {
    date = date.plus({ days: 1 });
    if (date.weekday < 6) left -= 1;
  }
  return date;
}

/** Older dossiers are mostly done; recent ones are still moving. */
function pickStatus(random: Random, ageDays: number, procedureDays: number): number {
  if (ageDays > procedureDays * 2 + 20) {
    return random.weighted([
      [10, 62],
      [9, 12],
      [3, 4],
      [7, 3],
      [8, 3],
      [4, 8],
      [5, 4],
      [6, 2],
      [2, 1],
      [1, 1],
    ]);
  }
  return random.weighted([
    [1, 8],
    [2, 14],
    [4, 34],
    [5, 10],
    [6, 6],
    [9, 10],
    [10, 14],
    [3, 2],
    [7, 1],
    [8, 1],
  ]);
}

function foldName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .replace(/\s+/g, '')
    .toLowerCase();
}
