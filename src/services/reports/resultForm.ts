import { vietnamIso } from '../../domain/vietnamTime';
import type { ReportSource, ResultRow } from './reportResult';

/**
 * The result form's columns, in the order filed: columns (1)–(13) as Circular 01/2020/TT-VPCP's
 * form II.06a lays them out (docs/INDICATORS.md), then the columns this gateway adds outside the
 * form so that every dossier is accounted for. One list for the CSV, the HTML and the workbook.
 */
export interface FormColumn {
  /** The column's number on the form: (3) is `3`. */
  number: number;
  /** Machine name (CSV header). */
  name: string;
  vi: string;
  en: string;
  /** The group heading it sits under on the form. */
  group: 'RECEIVED' | 'RESOLVED' | 'OPEN' | 'ADDED';
  value(row: ResultRow): number;
}

export const FORM_COLUMNS: readonly FormColumn[] = [
  {
    number: 3,
    name: 'c03_to_resolve',
    vi: 'Tổng số',
    en: 'total to resolve',
    group: 'RECEIVED',
    value: (r) => r.counts.toResolve,
  },
  {
    number: 4,
    name: 'c04_received_online',
    vi: 'Trực tuyến',
    en: 'online',
    group: 'RECEIVED',
    value: (r) => r.counts.receivedOnline,
  },
  {
    number: 5,
    name: 'c05_received_in_person_or_post',
    vi: 'Trực tiếp, dịch vụ bưu chính',
    en: 'in person, by post',
    group: 'RECEIVED',
    // A channel the system does not tell is counted here and shown again in column (20).
    value: (r) => r.counts.receivedInPerson + r.counts.receivedChannelUnknown,
  },
  {
    number: 6,
    name: 'c06_carried_over',
    vi: 'Từ kỳ trước',
    en: 'carried over',
    group: 'RECEIVED',
    value: (r) => r.counts.carriedOver,
  },
  {
    number: 7,
    name: 'c07_resolved',
    vi: 'Tổng số',
    en: 'resolved',
    group: 'RESOLVED',
    value: (r) => r.counts.resolved,
  },
  {
    number: 8,
    name: 'c08_early',
    vi: 'Trước hạn',
    en: 'before the due day',
    group: 'RESOLVED',
    value: (r) => r.counts.resolvedEarly,
  },
  {
    number: 9,
    name: 'c09_on_time',
    vi: 'Đúng hạn',
    en: 'on the due day',
    group: 'RESOLVED',
    value: (r) => r.counts.resolvedOnTime,
  },
  {
    number: 10,
    name: 'c10_late',
    vi: 'Quá hạn',
    en: 'late',
    group: 'RESOLVED',
    value: (r) => r.counts.resolvedLate,
  },
  {
    number: 11,
    name: 'c11_open',
    vi: 'Tổng số',
    en: 'unresolved',
    group: 'OPEN',
    value: (r) => r.counts.open,
  },
  {
    number: 12,
    name: 'c12_open_not_due',
    vi: 'Trong hạn',
    en: 'not yet due',
    group: 'OPEN',
    value: (r) => r.counts.openNotDue,
  },
  {
    number: 13,
    name: 'c13_open_overdue',
    vi: 'Quá hạn',
    en: 'overdue',
    group: 'OPEN',
    value: (r) => r.counts.openOverdue,
  },
  {
    number: 14,
    name: 'c14_withdrawn',
    vi: 'Rút hồ sơ',
    en: 'withdrawn',
    group: 'ADDED',
    value: (r) => r.counts.withdrawn,
  },
  {
    number: 15,
    name: 'c15_stopped',
    vi: 'Dừng xử lý',
    en: 'stopped',
    group: 'ADDED',
    value: (r) => r.counts.stopped,
  },
  {
    number: 16,
    name: 'c16_unknown',
    vi: 'Không xác định được',
    en: 'cannot be told',
    group: 'ADDED',
    value: (r) => r.counts.unknown,
  },
  {
    number: 17,
    name: 'c17_rejected_at_intake',
    vi: 'Từ chối tiếp nhận',
    en: 'refused at intake',
    group: 'ADDED',
    value: (r) => r.counts.rejectedAtIntake,
  },
  {
    number: 18,
    name: 'c18_not_received',
    vi: 'Chưa tiếp nhận',
    en: 'not yet received',
    group: 'ADDED',
    value: (r) => r.counts.notReceived,
  },
  {
    number: 19,
    name: 'c19_resolved_on_receipt_day',
    vi: 'Giải quyết trong ngày',
    en: 'resolved on the day received',
    group: 'ADDED',
    value: (r) => r.counts.resolvedOnReceiptDay,
  },
  {
    number: 20,
    name: 'c20_channel_unknown_in_c05',
    vi: 'Không rõ kênh (đã tính ở cột 5)',
    en: 'channel not told (in column 5)',
    group: 'ADDED',
    value: (r) => r.counts.receivedChannelUnknown,
  },
];

export const FORM_GROUPS = {
  RECEIVED: { vi: 'Số hồ sơ nhận giải quyết', en: 'dossiers to resolve' },
  RESOLVED: { vi: 'Số hồ sơ đã giải quyết', en: 'resolved' },
  OPEN: { vi: 'Số hồ sơ đang giải quyết', en: 'unresolved at the period’s end' },
  ADDED: { vi: 'Bổ sung ngoài biểu mẫu', en: 'added outside the form' },
} as const;

/**
 * The identities every row satisfies: (3) = (4) + (5) + (6); (7) = (8) + (9) + (10);
 * (11) = (12) + (13); (3) = (7) + (11) + (14) + (15) + (16). Null when they hold, else the first
 * that does not. They hold by construction (each dossier counted gets one intake and one
 * outcome); the tests check every row with this.
 */
export function unbalanced(row: ResultRow): string | null {
  const c = (n: number) =>
    (FORM_COLUMNS.find((column) => column.number === n) as FormColumn).value(row);
  const checks: Array<[string, number, number]> = [
    ['(3) = (4) + (5) + (6)', c(3), c(4) + c(5) + c(6)],
    ['(7) = (8) + (9) + (10)', c(7), c(8) + c(9) + c(10)],
    ['(11) = (12) + (13)', c(11), c(12) + c(13)],
    ['(3) = (7) + (11) + (14) + (15) + (16)', c(3), c(7) + c(11) + c(14) + c(15) + c(16)],
  ];
  const failed = checks.find(([, left, right]) => left !== right);
  return failed === undefined
    ? null
    : `${row.key}: ${failed[0]} does not hold (${failed[1]} ≠ ${failed[2]})`;
}

/** How each indicator status reads in Vietnamese (HTML and workbook). */
export const STATUS_LABELS = {
  COMPUTED: 'Đã tính',
  PARTIAL: 'Tính một phần',
  NO_DATA: 'Chưa có dữ liệu',
  NOT_APPLICABLE: 'Không áp dụng',
} as const;

/** yyyy-MM-dd → dd/MM/yyyy, as dates are written on the form. */
export function date(day: string): string {
  const [year, month, dayOfMonth] = day.split('-');
  return `${dayOfMonth}/${month}/${year}`;
}

/** An instant as dd/MM/yyyy HH:mm, Vietnam time. */
export function dateTime(at: Date): string {
  const iso = vietnamIso(at);
  return `${date(iso.slice(0, 10))} ${iso.slice(11, 16)}`;
}

/**
 * How a source was read, in words (Vietnamese, English): how its listed dossiers were narrowed to
 * each agency, and how many had their sync to the portal (1.4) read from the gateway.
 */
export function filteredBy(source: ReportSource): { vi: string; en: string } {
  const filtered =
    source.agencyFilter === 'SYSTEM'
      ? { vi: 'hệ thống lọc theo đơn vị', en: 'the system lists the agency asked' }
      : {
          vi: `cổng kết nối lọc theo đơn vị của từng hồ sơ (hệ thống trả hồ sơ mọi đơn vị); ${source.otherAgencies} hồ sơ của đơn vị ngoài báo cáo không tính`,
          en: `the gateway, by each dossier's own agency (the system lists every unit's); ${source.otherAgencies} of units outside the report not counted`,
        };
  const fromGateway = source.syncFromGateway ?? 0;
  if (fromGateway === 0) return filtered;
  return {
    vi: `${filtered.vi}; ${fromGateway} hồ sơ lấy tình trạng đồng bộ (chỉ số 1.4) từ cầu đồng bộ của cổng kết nối`,
    en: `${filtered.en}; ${fromGateway} with their sync to the portal (indicator 1.4) read from the gateway's sync bridge`,
  };
}
