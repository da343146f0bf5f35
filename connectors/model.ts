/**
 * The national dossier model (docs/domain.md §3) as connectors deliver it. Change with intention: the
 * gateway, its cache and every connector kind depend on these shapes.
 *
 * Conventions: times are ISO 8601 with an explicit offset (`2025-03-14T08:30:00+07:00`); text is
 * NFC; identifiers (codes, ID numbers) are passed through untouched; a value the upstream did not
 * provide is `null`, never an empty string.
 */

/** Trạng thái hồ sơ — the ten national dossier statuses, by their numeric code. */
export type NationalStatusCode = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

/**
 * Kênh thực hiện — 1 in person, 2 online, 3 public postal service; `'ALL'`: every channel, for a
 * catalogue entry that gives one time limit and fee for all of them (no per-channel breakdown).
 * `'ALL'` is the gateway's, not a national code: the national record leaves `KenhThucHien` out.
 */
export type ChannelCode = 1 | 2 | 3 | 'ALL';

/** Loại đối tượng — 1 citizen, 2 enterprise, 3 state agency, 4 other organisation. */
export type ApplicantTypeCode = 1 | 2 | 3 | 4;

/**
 * A status as the upstream reported it, with what the gateway could (and could not) conclude.
 * `code` is null when the raw value is not in the registration's status table.
 */
export interface StatusValue {
  /** National status, or null when the raw value is unmapped. */
  code: NationalStatusCode | null;
  /** The upstream's own value, as text (`"releasing"`, `"9"`). */
  raw: string;
  /** True when the registration declares this value lossy, or when it is unmapped. */
  lossy: boolean;
  /** National statuses this value may stand for (declared by the registration); empty when exact. */
  mayBe: readonly NationalStatusCode[];
}

/** Kênh thực hiện with the upstream's raw value. */
export interface ChannelValue {
  code: ChannelCode | null;
  /**
   * The upstream's own value; `'ALL'` (the gateway's word, nothing was sent) for the channel of a
   * catalogue entry whose registration maps no channel at all (`channels.fields.channel` absent).
   */
  raw: string;
}

/**
 * Loại định danh — the kinds of identity number (docs/domain.md §3): `'1'` a 12-digit personal
 * identification number (căn cước / CCCD), `'2'` a 9-digit old ID card (CMND), both as the national
 * format sends them; `'MST'` a tax code (mã số thuế: 10 digits, or 13 written `0101234567-001`
 * or as 13 digits, also an enterprise's code) and `'HC'` a passport number, which the national
 * format's published lists do not give a code for (the gateway's own, say so when synced).
 */
export const ID_TYPES = ['1', '2', 'MST', 'HC'] as const;
export type IdType = (typeof ID_TYPES)[number];

/** Định danh chủ hồ sơ — an identity document number of the applicant. */
export interface ApplicantId {
  /**
   * LoaiDinhDanh as mapped: one of `ID_TYPES` when the registration maps it to one, or the
   * system's own value; null when not given.
   */
  type: string | null;
  number: string;
}

export interface Applicant {
  /** Chủ hồ sơ. */
  name: string | null;
  /** Loại đối tượng. */
  type: ApplicantTypeCode | null;
  ids: ApplicantId[];
  phone: string | null;
  email: string | null;
  address: string | null;
}

/** Tài liệu nộp — a submitted file. */
export interface SubmittedFile {
  name: string | null;
  url: string | null;
}

/** Quá trình xử lý — one step of the processing history. */
export interface HistoryStep {
  /** Thời điểm xử lý. */
  at: string | null;
  /** Người xử lý — the official (a public-duty role, not applicant data). */
  actor: string | null;
  /** Chức danh. */
  actorTitle: string | null;
  /** Phòng ban xử lý. */
  department: string | null;
  /** Nội dung xử lý. */
  content: string | null;
  status: StatusValue | null;
  /** Ngày bắt đầu. */
  startedAt: string | null;
  /** Ngày kết thúc theo quy định. */
  dueAt: string | null;
  /** The fields of this step the system gave as a date without a time (see `NationalDossier`). */
  datesWithoutTime?: DateField[];
}

/** Lệ phí — a fee or charge. */
export interface Fee {
  name: string | null;
  /**
   * Amount in VND, or null when the upstream sent none, said no fee is charged ("Không thu":
   * `charged` is false), or sent a value that is not an amount (with a mapping warning).
   */
  amount: number | null;
  /**
   * False when the upstream says no fee is charged ("Không thu", "Miễn phí", "Miễn lệ phí") or sends
   * an amount of 0; true for an amount above 0; null when unknown. Absent in dossiers cached, and
   * from kinds written, before it existed: read it as derived from `amount`.
   */
  charged?: boolean | null;
  /** The amount as the upstream sent it ("50.000 đồng", "Không thu"), NFC; absent as `charged` is. */
  text?: string | null;
}

/** Giấy tờ kết quả — a result document. */
export interface ResultDocument {
  name: string | null;
  number: string | null;
  issuedAt: string | null;
  url: string | null;
  datesWithoutTime?: DateField[];
}

/** Hồ sơ bổ sung — one supplement round. */
export interface SupplementRound {
  requestedAt: string | null;
  /** Ngày hẹn trả trước — due date before the round. */
  dueBefore: string | null;
  /** Ngày hẹn trả mới — due date after the round. */
  dueAfter: string | null;
  reason: string | null;
  /** The fields of this round the system gave as a date without a time (see `NationalDossier`). */
  datesWithoutTime?: DateField[];
}

/** A date field of the national model, as `datesWithoutTime` names it. */
export type DateField =
  | 'receivedAt'
  | 'dueAt'
  | 'finishedAt'
  | 'returnedAt'
  | 'at'
  | 'startedAt'
  | 'issuedAt'
  | 'requestedAt'
  | 'dueBefore'
  | 'dueAfter';

/** Due dates: a date without a time is the end of that working day (`datesWithoutTime`). */
export const DUE_FIELDS: ReadonlySet<DateField> = new Set(['dueAt', 'dueBefore', 'dueAfter']);

/**
 * Where a date without a time is placed until the agency's office hours are known: the end of the
 * standard working day (07:00–11:30, 13:30–17:00; docs/domain.md §5) for a due date, the start of
 * the day for any other. The gateway judges a due date at the end of the agency's own working day
 * (src/services/calendar/dateOnlyDue.ts).
 */
export const DATE_ONLY_DUE_TIME = 'T17:00:00+07:00';
export const DATE_ONLY_EVENT_TIME = 'T00:00:00+07:00';

/** A value the mapping could not take as it came (a date that did not parse, an unmapped status). */
export interface MappingWarning {
  /** Path in the national model, e.g. `dueAt` or `history[2].status`. */
  field: string;
  problem: string;
}

/**
 * What the 2022 national sync format adds for Decision 766's indicators (docs/domain.md §3); each value
 * is null when the system does not send it — never guessed.
 */
export interface DigitalFacts {
  /** NoiNopHoSo — where the dossier was submitted, as the system sends it. */
  submittedVia: string | null;
  /** HoSoCoThanhPhanSoHoa — its components were digitised. */
  digitised: boolean | null;
  /** TaiKhoanDuocXacThucVoiVNeID — the applicant's account was verified with VNeID. */
  vneidVerified: boolean | null;
  /** DuocThanhToanTrucTuyen — its fees were paid online. */
  paidOnline: boolean | null;
  /** Its result was issued electronically (an electronic result document). */
  electronicResult: boolean | null;
  /** It was synced to the national public-service portal. */
  syncedToPortal: boolean | null;
}

/** What a dossier that says nothing of the 2022 fields says: nothing. */
export const NO_DIGITAL_FACTS: Readonly<DigitalFacts> = Object.freeze({
  submittedVia: null,
  digitised: null,
  vneidVerified: null,
  paidOnline: null,
  electronicResult: null,
  syncedToPortal: null,
});

/** One dossier in the national model. */
export interface NationalDossier {
  /** Mã hồ sơ, exactly as requested. */
  code: string;
  /** Mã TTHC. */
  procedureCode: string | null;
  /** Tên TTHC. */
  procedureName: string | null;
  /** Mã lĩnh vực. */
  fieldCode: string | null;
  /** Tên lĩnh vực. */
  fieldName: string | null;
  /** Agency code of the handling unit, when the upstream sends one. */
  agencyCode: string | null;
  /** Đơn vị xử lý — the handling unit's name as the upstream sends it. */
  agencyName: string | null;
  channel: ChannelValue | null;
  applicant: Applicant;
  /** Trích yếu hồ sơ — free text; personal data. */
  summary: string | null;
  files: SubmittedFile[];
  /** Ngày tiếp nhận. */
  receivedAt: string | null;
  /** Ngày hẹn trả. */
  dueAt: string | null;
  /** Ngày kết thúc xử lý. */
  finishedAt: string | null;
  /** Ngày trả kết quả. */
  returnedAt: string | null;
  status: StatusValue;
  history: HistoryStep[];
  fees: Fee[];
  results: ResultDocument[];
  supplements: SupplementRound[];
  /**
   * Một cửa liên thông: a matter handled by several agencies, each in its own system. The shared
   * reference and the other parts this system names (their codes, and agencies when given); empty
   * when the system says nothing.
   */
  interAgency: InterAgencyLinks;
  /** The 2022 sync format's indicator fields (absent in dossiers cached before they existed). */
  digital?: DigitalFacts;
  /**
   * The dossier's own date fields the system gave as a date without a time of day (`dd/MM/yyyy`);
   * absent or empty when every date had its time (and in dossiers cached before it existed).
   * Such a due date (`dueAt`, and `dueAt`/`dueBefore`/`dueAfter` of history steps and supplement
   * rounds, which carry their own list) holds `DATE_ONLY_DUE_TIME` of its day, any other date 00:00.
   */
  datesWithoutTime?: DateField[];
  warnings: MappingWarning[];
}

export interface InterAgencyLinks {
  reference: string | null;
  parts: Array<{ code: string; agencyCode: string | null }>;
}

/** Mức độ dịch vụ công trực tuyến — online level since Decree 42/2022 ("toàn trình", "một phần"). */
export type OnlineLevel = 'FULL' | 'PARTIAL' | 'NONE';

/** Trạng thái công khai — publication state of a procedure. */
export type PublicationState = 'PUBLISHED' | 'ABOLISHED' | 'SUSPENDED';

/** A value read through a table, with the upstream's raw text (null when unmapped). */
export interface TableValue<T> {
  value: T | null;
  raw: string;
}

/**
 * The unit of a time limit. Working days and hours count office time on working days (docs/api.md);
 * `DAYS`, `HOURS` and `MONTHS` are calendar time; `SAME_DAY` ("Trong ngày") is returned on the
 * working day the dossier was received.
 */
export type TimeLimitUnit =
  'WORKING_DAYS' | 'WORKING_HOURS' | 'DAYS' | 'HOURS' | 'MONTHS' | 'SAME_DAY';

/** Thời hạn giải quyết read as a number and a unit (connectors/shared/processingTime.ts). */
export interface ProcessingTimeLimit {
  /** The limit: the most time the procedure may take (the upper end of a range); 1 for `SAME_DAY`. */
  value: number;
  unit: TimeLimitUnit;
  /** The lower end when the text gives a range ("15 - 20 ngày": 15, `value` 20); else null. */
  rangeStart: number | null;
  /** The text it was read from, as published (NFC). */
  text: string;
}

/** Cách thức thực hiện — one channel of a procedure with its time limit and fees. */
export interface ProcedureChannel {
  channel: ChannelValue | null;
  /** Thời hạn giải quyết as published ("3 ngày làm việc"). */
  processingTime: string | null;
  /**
   * `processingTime` read as a number and a unit; null when there is no text or the gateway cannot
   * read it (a mapping warning says so) — never guessed.
   */
  processingTimeLimit: ProcessingTimeLimit | null;
  /** The time limit in days, when the upstream gives a number (as sent; its unit is not stated). */
  processingDays: number | null;
  fees: Fee[];
}

/** Thành phần hồ sơ — a required document, with its form (mẫu đơn, tờ khai) if any. */
export interface RequiredDocument {
  name: string | null;
  formName: string | null;
  formUrl: string | null;
}

/** Căn cứ pháp lý — a legal basis (SOVANBAN, TENVANBAN). */
export interface LegalBasis {
  number: string | null;
  title: string | null;
}

export interface ImplementingAgency {
  code: string | null;
  name: string | null;
}

/** One procedure (thủ tục hành chính) of a system's catalogue, in the national model (docs/domain.md §4). */
export interface Procedure {
  /** Mã TTHC as the system lists it: national (`1.003560`) or a local variant (`1.003560.000.00.00.H56`). */
  code: string;
  name: string;
  fieldCode: string | null;
  fieldName: string | null;
  onlineLevel: TableValue<OnlineLevel> | null;
  implementingAgencies: ImplementingAgency[];
  channels: ProcedureChannel[];
  documents: RequiredDocument[];
  legalBases: LegalBasis[];
  state: TableValue<PublicationState> | null;
  warnings: MappingWarning[];
}
