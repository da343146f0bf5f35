/**
 * The national dossier model (DOMAIN.md §3) as connectors deliver it. Change with intention: the
 * gateway, its cache and every connector kind depend on these shapes.
 *
 * Conventions: times are ISO 8601 with an explicit offset (`2025-03-14T08:30:00+07:00`); text is
 * NFC; identifiers (codes, ID numbers) are passed through untouched; a value the upstream did not
 * provide is `null`, never an empty string.
 */

/** Trạng thái hồ sơ — the ten national dossier statuses, by their numeric code. */
export type NationalStatusCode = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

/** Kênh thực hiện — 1 in person, 2 online, 3 public postal service. */
export type ChannelCode = 1 | 2 | 3;

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
  mayBe: NationalStatusCode[];
}

/** Kênh thực hiện with the upstream's raw value. */
export interface ChannelValue {
  code: ChannelCode | null;
  raw: string;
}

/** Định danh chủ hồ sơ — an identity document number of the applicant. */
export interface ApplicantId {
  /** LoaiDinhDanh as sent (1 = 12-digit citizen ID, 2 = 9-digit old ID card), or null. */
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
}

/** Lệ phí — a fee or charge. */
export interface Fee {
  name: string | null;
  /** Amount in VND, or null when the upstream sent none or a value that is not a number. */
  amount: number | null;
}

/** Giấy tờ kết quả — a result document. */
export interface ResultDocument {
  name: string | null;
  number: string | null;
  issuedAt: string | null;
  url: string | null;
}

/** Hồ sơ bổ sung — one supplement round. */
export interface SupplementRound {
  requestedAt: string | null;
  /** Ngày hẹn trả trước — due date before the round. */
  dueBefore: string | null;
  /** Ngày hẹn trả mới — due date after the round. */
  dueAfter: string | null;
  reason: string | null;
}

/** A value the mapping could not take as it came (a date that did not parse, an unmapped status). */
export interface MappingWarning {
  /** Path in the national model, e.g. `dueAt` or `history[2].status`. */
  field: string;
  problem: string;
}

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
  warnings: MappingWarning[];
}
