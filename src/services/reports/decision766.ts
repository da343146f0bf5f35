import type { ReportRules } from './reportRules';
import { derived, type ResultCounts } from './resultCounts';

/**
 * One indicator of Decision 766/QĐ-TTg (2022) as a report shows it: computed from the counts, or
 * `NO_DATA` (its inputs are not in what the systems send: never shown as 0 %), or `NOT_APPLICABLE`
 * (it measures something outside dossiers, e.g. procedures published on time). Rules and sources
 * per indicator: docs/INDICATORS.md.
 */
export interface IndicatorFigure {
  /** The decision's number for it (`2.1`). */
  id: string;
  name: string;
  nameEn: string;
  /** `PARTIAL`: computed, but the formula has parts the data lacks (said in `note`). */
  status: 'COMPUTED' | 'PARTIAL' | 'NO_DATA' | 'NOT_APPLICABLE';
  numerator: number | null;
  denominator: number | null;
  rate: number | null;
  /** For an average (2.2): its value in `unit`. */
  value: number | null;
  unit: string | null;
  /** The rate at which the indicator scores full points, when the decision gives one. */
  fullScoreAt: number | null;
  /** Points scored and the most there are, when the decision gives a scale and the rate is known. */
  points: number | null;
  maxPoints: number | null;
  /** Why there is no figure, or what the figure leaves out. */
  note: string | null;
}

interface Definition {
  id: string;
  name: string;
  nameEn: string;
  maxPoints: number | null;
  fullScoreAt: number | null;
  /** Numerator and denominator from the counts, or why there are none. */
  compute(
    counts: ResultCounts,
    rules: ReportRules,
  ):
    | { numerator: number; denominator: number; partial?: string; note?: string }
    | { status: 'NO_DATA' | 'NOT_APPLICABLE'; note: string };
}

/** The form's sums (`derived`), as the formulas read them. */
const received = (c: ResultCounts) => derived(c).received;
const resolved = (c: ResultCounts) => derived(c).resolved;

/**
 * An indicator over a 2022 field: computed over every dossier when all of them say, over those
 * that say (partial) when some do, no data when none does.
 */
function fromField(
  known: number,
  yes: number,
  all: number,
  field: string,
  note?: string,
): ReturnType<Definition['compute']> {
  if (known === 0 && all > 0) return noData(field);
  if (known < all)
    return {
      numerator: yes,
      denominator: known,
      partial: `${known} of ${all} dossiers say ${field}; the rate is over those`,
      ...(note === undefined ? {} : { note }),
    };
  return { numerator: yes, denominator: all, ...(note === undefined ? {} : { note }) };
}

const CATALOGUE =
  'measured on the procedure catalogue, not on dossiers: not part of a dossier report';
const FEEDBACK =
  'measured on citizens’ feedback (phản ánh, kiến nghị), which no connected system sends';
const noData = (field: string) => ({
  status: 'NO_DATA' as const,
  note: `the systems do not send ${field} (a field of the national sync format the mappings do not carry yet)`,
});

/**
 * The indicators in the order of the national dashboard's formula document for Decision 766
 * (docs/INDICATORS.md cites each): what the national model lets us compute, and why not otherwise.
 */
export const DEFINITIONS: readonly Definition[] = [
  {
    id: '1.1',
    name: 'TTHC công bố đúng hạn',
    nameEn: 'procedures published on time',
    maxPoints: 6,
    fullScoreAt: 1,
    compute: () => ({ status: 'NOT_APPLICABLE', note: CATALOGUE }),
  },
  {
    id: '1.2',
    name: 'TTHC cập nhật, công khai đúng hạn',
    nameEn: 'procedures made public on time',
    maxPoints: 4,
    fullScoreAt: 1,
    compute: () => ({ status: 'NOT_APPLICABLE', note: CATALOGUE }),
  },
  {
    id: '1.3',
    name: 'TTHC công khai đầy đủ nội dung',
    nameEn: 'procedures published in full',
    maxPoints: 2,
    fullScoreAt: 1,
    compute: () => ({ status: 'NOT_APPLICABLE', note: CATALOGUE }),
  },
  {
    id: '1.4',
    name: 'Hồ sơ đồng bộ lên Cổng Dịch vụ công quốc gia',
    nameEn: 'dossiers synced to the national portal',
    maxPoints: 6,
    fullScoreAt: 1,
    compute: (c) =>
      fromField(
        c.syncedKnown,
        c.synced,
        received(c),
        'whether a dossier was synced to the national portal',
      ),
  },
  {
    id: '2.1',
    name: 'Hồ sơ xử lý trước hạn, đúng hạn',
    nameEn: 'dossiers processed on time',
    maxPoints: 20,
    fullScoreAt: 1,
    compute: (c, rules) => {
      const asEnded = rules.endedWithoutResult === 'AS_ENDED';
      const ended = asEnded ? c.withdrawn + c.stopped : 0;
      const endedInTime = asEnded ? c.endedWithoutResultByDue : 0;
      const inTime = c.resolvedEarly + c.resolvedOnTime + endedInTime;
      return rules.onTimeDenominator === 'ALL_TO_RESOLVE'
        ? {
            numerator: inTime + c.openNotDue,
            denominator: resolved(c) + ended + c.openNotDue + c.openOverdue,
            note: 'resolved or unresolved in time over all dossiers to resolve; the points scale is not given by the sources found (R × 20 shown)',
          }
        : {
            numerator: inTime,
            denominator: resolved(c) + ended,
            note: 'resolved in time over resolved; the points scale is not given by the sources found (R × 20 shown)',
          };
    },
  },
  {
    id: '2.2',
    name: 'Thời gian giải quyết trung bình',
    nameEn: 'average resolution time',
    maxPoints: null,
    fullScoreAt: null,
    compute: (c) => ({
      numerator: c.resolvedOfficeMinutes,
      denominator: resolved(c),
      note: 'office minutes per resolved dossier (value: working days of 8 hours), supplement waiting taken out',
    }),
  },
  {
    id: '3.1',
    name: 'TTHC cung cấp dịch vụ công trực tuyến',
    nameEn: 'procedures offered online',
    maxPoints: null,
    fullScoreAt: 0.8,
    compute: () => ({ status: 'NOT_APPLICABLE', note: CATALOGUE }),
  },
  {
    id: '3.2',
    name: 'Dịch vụ công trực tuyến có phát sinh hồ sơ',
    nameEn: 'online services with dossiers',
    maxPoints: null,
    fullScoreAt: null,
    compute: () => ({ status: 'NOT_APPLICABLE', note: CATALOGUE }),
  },
  {
    id: '3.3',
    name: 'Hồ sơ nộp trực tuyến',
    nameEn: 'dossiers submitted online',
    maxPoints: null,
    fullScoreAt: 0.5,
    compute: (c) => ({
      numerator: c.receivedOnline,
      denominator: received(c),
      partial:
        'channel only: the formula multiplies by the sync rate (1.4) and, for procedures that require a paper result, counts only dossiers given an electronic result; the systems send neither',
    }),
  },
  {
    id: '3.5',
    name: 'TTHC có nghĩa vụ tài chính tích hợp thanh toán trực tuyến',
    nameEn: 'fee-bearing procedures payable online',
    maxPoints: 4,
    fullScoreAt: 0.8,
    compute: () => ({ status: 'NOT_APPLICABLE', note: CATALOGUE }),
  },
  {
    id: '3.6',
    name: 'Hồ sơ thanh toán trực tuyến',
    nameEn: 'dossiers paid online',
    maxPoints: 6,
    fullScoreAt: 1,
    compute: (c) =>
      fromField(
        c.paidKnown,
        c.paidOnline,
        c.feeBearing,
        'whether its fees were paid online (DuocThanhToanTrucTuyen)',
        'over received dossiers with a fee above zero',
      ),
  },
  {
    id: '4.1',
    name: 'Kết quả giải quyết điện tử',
    nameEn: 'electronic results',
    maxPoints: 6,
    fullScoreAt: 1,
    compute: (c) =>
      fromField(
        c.electronicResultKnown,
        c.electronicResult,
        resolved(c),
        'whether its result was issued electronically',
        'over resolved dossiers: which procedures require a written result is not in the data',
      ),
  },
  {
    id: '4.2',
    name: 'Số hóa hồ sơ',
    nameEn: 'digitised dossiers',
    maxPoints: 4,
    fullScoreAt: 0.8,
    compute: (c) =>
      fromField(
        c.digitisedKnown,
        c.digitised,
        received(c),
        'whether its components were digitised (HoSoCoThanhPhanSoHoa)',
      ),
  },
  {
    id: '4.3',
    name: 'Tái sử dụng dữ liệu số hóa',
    nameEn: 'digitised data reused',
    maxPoints: 2,
    fullScoreAt: 0.8,
    compute: () => noData('whether a dossier reused digitised components'),
  },
  {
    id: '4.4',
    name: 'Hồ sơ sử dụng kho dữ liệu cá nhân',
    nameEn: 'dossiers using the personal data store',
    maxPoints: 4,
    fullScoreAt: 1,
    compute: () =>
      noData(
        'what a dossier took from the personal data store (where it was submitted, NoiNopHoSo, is read and shown by place)',
      ),
  },
  {
    id: '4.5',
    name: 'Khai thác dữ liệu dân cư',
    nameEn: 'population data used',
    maxPoints: 4,
    fullScoreAt: 1,
    compute: (c) =>
      fromField(
        c.vneidKnown,
        c.vneidVerified,
        received(c),
        'whether the applicant’s account was verified with VNeID (TaiKhoanDuocXacThucVoiVNeID)',
        'measured by accounts verified with VNeID (identity from the population database)',
      ),
  },
  {
    id: '5.2',
    name: 'Phản ánh, kiến nghị xử lý đúng hạn',
    nameEn: 'feedback handled on time',
    maxPoints: 6,
    fullScoreAt: 1,
    compute: () => ({ status: 'NOT_APPLICABLE', note: FEEDBACK }),
  },
  {
    id: '5.3',
    name: 'Hài lòng trong xử lý phản ánh, kiến nghị',
    nameEn: 'satisfaction with feedback handling',
    maxPoints: 6,
    fullScoreAt: 1,
    compute: () => ({ status: 'NOT_APPLICABLE', note: FEEDBACK }),
  },
  {
    id: '5.4',
    name: 'Hài lòng trong tiếp nhận, giải quyết TTHC',
    nameEn: 'satisfaction with procedures',
    maxPoints: 6,
    fullScoreAt: 0.9,
    compute: (c) => {
      const toResolve = derived(c).toResolve;
      const overdue = c.resolvedLate + c.openOverdue;
      return {
        status: 'NO_DATA',
        note: `100 % − (overdue % + feedback or dislike %): the systems send no feedback or dislikes; the overdue part alone is ${overdue} of ${toResolve} dossiers to resolve`,
      };
    },
  },
];

/** Every indicator's figure over a report's total row. */
export function decision766(counts: ResultCounts, rules: ReportRules): IndicatorFigure[] {
  return DEFINITIONS.map((definition) => {
    const base = {
      id: definition.id,
      name: definition.name,
      nameEn: definition.nameEn,
      fullScoreAt: definition.fullScoreAt,
      maxPoints: definition.maxPoints,
      value: null,
      unit: null,
    };
    const computed = definition.compute(counts, rules);
    if ('status' in computed)
      return {
        ...base,
        status: computed.status,
        numerator: null,
        denominator: null,
        rate: null,
        points: null,
        note: computed.note,
      };
    const empty = computed.denominator === 0;
    if (definition.id === '2.2')
      return {
        ...base,
        status: 'COMPUTED',
        numerator: computed.numerator,
        denominator: computed.denominator,
        rate: null,
        value: empty
          ? null
          : Math.round((computed.numerator / computed.denominator / 480) * 100) / 100,
        unit: 'working days',
        points: null,
        note: empty ? 'no dossiers resolved' : (computed.note ?? null),
      };
    const rate = empty ? null : computed.numerator / computed.denominator;
    const notes = [
      computed.partial,
      computed.note,
      empty ? 'no dossiers in the denominator' : undefined,
    ];
    return {
      ...base,
      status: computed.partial === undefined ? 'COMPUTED' : 'PARTIAL',
      numerator: computed.numerator,
      denominator: computed.denominator,
      rate,
      points:
        rate === null || definition.maxPoints === null || definition.fullScoreAt === null
          ? null
          : Math.round(definition.maxPoints * Math.min(1, rate / definition.fullScoreAt) * 100) /
            100,
      note: notes.filter((note) => note !== undefined).join('; ') || null,
    };
  });
}
