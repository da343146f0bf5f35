import type { DateTime } from 'luxon';
import { hash32 } from '../generator/random';
import type { SampleDossier } from '../generator/SampleDataset';
import type { SampleCatalogueEntry } from '../generator/catalogue';
import { encodeVni } from './encodeVni';

/**
 * The absorbed province's agencies (Hà Giang; H47 is an illustrative code): their dossiers were
 * migrated into the merged platform, which stores their codes in lower case.
 */
export const ABSORBED_SUFFIX = '.H47';

/** The procedure types of the platform's `LoaiThuTuc`: with fees, and the rest. */
export type ProcedureType = 'THUPHI' | 'THUONG';

/** How the platform writes an applicant's identity document (`LoaiGiayTo`). */
export type IdKind = 'CCCD' | 'CMND' | 'MST';

/**
 * A dossier as the merged platform holds it: the generated dossier (with the applicant's number as
 * the platform stores it) and what the platform adds — its own truth, which tests compare with
 * what the gateway answers.
 */
export interface MergedDossier {
  dossier: SampleDossier;
  /** The code as stored: lower case for the absorbed province's migrated dossiers. */
  storedCode: string;
  procedureType: ProcedureType;
  /** The platform's status code (`TrangThai`), "0"–"9". */
  statusCode: string;
  /** "VNI": the name and summary are stored in VNI-Windows bytes; "UNICODE": as they are. */
  font: 'VNI' | 'UNICODE';
  idKind: IdKind;
}

/**
 * The platform's status codes for national statuses 1–10. Its code 3 is the waiting state of the
 * procedure's own workflow: waiting for payment (national 6) for procedures with fees (`THUPHI`),
 * waiting for a supplement (national 5) for the others; 9 is the other waiting state.
 */
export function platformStatusCode(status: number, type: ProcedureType): string {
  if (status === 5) return type === 'THUPHI' ? '9' : '3';
  if (status === 6) return type === 'THUPHI' ? '3' : '9';
  const codes: Record<number, string> = { 1: '0', 2: '1', 3: '6', 4: '2', 7: '7', 8: '8' };
  return codes[status] ?? (status === 9 ? '4' : '5');
}

export function procedureTypeOf(fee: number): ProcedureType {
  return fee > 0 ? 'THUPHI' : 'THUONG';
}

/** The merged platform's view of a generated dossier (deterministic: derived from its code). */
export function mergedView(generated: SampleDossier): MergedDossier {
  const migrated = generated.agency.code.endsWith(ABSORBED_SUFFIX);
  const type = procedureTypeOf(generated.procedure.fee);
  const salt = hash32(`merged:${generated.code}`);
  const enterprise = generated.applicant.type === 2;
  // A branch of an enterprise has the 13-digit tax code (its company's 10 and three more).
  const idNumber =
    enterprise && salt % 3 === 0
      ? `${generated.applicant.idNumber}${String(1 + (salt % 7)).padStart(3, '0')}`
      : generated.applicant.idNumber;
  const dossier: SampleDossier = { ...generated, applicant: { ...generated.applicant, idNumber } };
  return {
    dossier,
    storedCode: migrated ? generated.code.toLowerCase() : generated.code,
    procedureType: type,
    statusCode: platformStatusCode(generated.status, type),
    // Most migrated dossiers came from the old system's VNI fonts; the rest, and every dossier
    // received on the merged platform, are Unicode.
    font: migrated && salt % 5 < 3 ? 'VNI' : 'UNICODE',
    idKind: enterprise ? 'MST' : generated.applicant.idType === '1' ? 'CCCD' : 'CMND',
  };
}

const dateTime = (value: DateTime | null) =>
  value === null ? '' : value.toFormat('dd/MM/yyyy HH:mm:ss');
/** Due dates are written as a day only. */
const day = (value: DateTime | null) => (value === null ? '' : value.toFormat('dd/MM/yyyy'));

const CHANNEL_WORDS = { 1: 'TRUCTIEP', 2: 'TRUCTUYEN', 3: 'BUUCHINH' } as const;

/** A dossier as the merged platform answers it (inside its envelope's JSON text). */
export function renderMerged(view: MergedDossier): Record<string, unknown> {
  const { dossier, procedureType } = view;
  const text = (value: string) => (view.font === 'VNI' ? encodeVni(value) : value);
  const status = (national: number) => platformStatusCode(national, procedureType);
  return {
    MaHoSo: view.storedCode,
    MaTTHC: dossier.procedure.code,
    TenTTHC: dossier.procedure.name,
    MaLinhVuc: dossier.procedure.fieldCode,
    TenLinhVuc: dossier.procedure.fieldName,
    LoaiThuTuc: procedureType,
    MaDonVi: dossier.agency.code,
    TenDonVi: dossier.agency.name,
    KenhNop: CHANNEL_WORDS[dossier.channel],
    FontChu: view.font,
    ChuHoSo: {
      HoTen: text(dossier.applicant.name),
      LoaiDoiTuong: dossier.applicant.type === 1 ? 'CONGDAN' : 'DOANHNGHIEP',
      LoaiGiayTo: view.idKind,
      SoGiayTo: dossier.applicant.idNumber,
      DienThoai: dossier.applicant.phone,
      Email: dossier.applicant.email ?? '',
      DiaChi: dossier.applicant.address,
    },
    TrichYeu: text(dossier.summary),
    TrangThai: view.statusCode,
    NgayTiepNhan: dateTime(dossier.receivedAt),
    NgayHenTra: day(dossier.dueAt),
    NgayKetThuc: dateTime(dossier.finishedAt),
    NgayTraKetQua: dateTime(dossier.returnedAt),
    TepDinhKem: dossier.files.map((file) => ({ TenTep: file.name, DuongDan: file.url })),
    QuaTrinhXuLy: dossier.history.map((step) => ({
      ThoiGian: dateTime(step.at),
      CanBo: step.actor,
      ChucVu: step.title,
      PhongBan: step.department,
      NoiDung: step.content,
      TrangThai: status(step.status),
    })),
    PhiLePhi: dossier.fees.map((fee) => ({ TenPhi: fee.name, SoTien: fee.amount })),
    KetQua: dossier.results.map((result) => ({
      TenGiayTo: result.name,
      SoHieu: result.number,
      NgayKy: dateTime(result.issuedAt),
      DuongDan: result.url,
    })),
    BoSung: dossier.supplements.map((round) => ({
      NgayYeuCau: dateTime(round.requestedAt),
      HanCu: day(round.dueBefore),
      HanMoi: day(round.dueAfter),
      LyDo: round.reason,
    })),
  };
}

/**
 * A catalogue entry as the platform publishes it: one processing time and one list of fees for the
 * procedure, with no breakdown per channel (they hold for every channel).
 */
export function renderMergedService(
  entry: SampleCatalogueEntry,
  type: ProcedureType,
): Record<string, unknown> {
  const direct = entry.channels[0];
  return {
    MaTTHC: entry.code,
    TenTTHC: entry.name,
    MaLinhVuc: entry.fieldCode,
    TenLinhVuc: entry.fieldName,
    LoaiThuTuc: type,
    MucDo: entry.onlineLevel,
    TrangThai: entry.state,
    CoQuanThucHien: entry.agencies.map((a) => ({ Ma: a.code, Ten: a.name })),
    ThoiHanGiaiQuyet: direct?.time ?? '',
    SoNgay: direct?.days ?? null,
    PhiLePhi: (direct?.fees ?? []).map((f) => ({ TenPhi: f.name, MucThu: f.amount })),
    ThanhPhanHoSo: entry.documents.map((d) => ({
      TenGiayTo: d.name,
      TenMau: d.formName,
      DuongDan: d.formUrl,
    })),
    CanCuPhapLy: entry.legalBases.map((l) => ({ SoHieu: l.number, TrichYeu: l.title })),
  };
}
