import type { DateTime } from 'luxon';
import { unit } from '../generator/random';
import type { SampleDossier } from '../generator/SampleDataset';

/** The national sync format's time: `yyyyMMddHHmmss`, Vietnam time, as a string (docs/domain.md §3). */
const time = (value: DateTime | null) => (value === null ? '' : value.toFormat('yyyyMMddHHmmss'));

/** A dossier in the portal's sync format: every value a string. */
export function renderNational(dossier: SampleDossier, broken: boolean): Record<string, unknown> {
  const record: Record<string, unknown> = {
    MaHoSo: dossier.code,
    MaTTHC: dossier.procedure.code,
    TenTTHC: dossier.procedure.name,
    MaLinhVuc: dossier.procedure.fieldCode,
    TenLinhVuc: dossier.procedure.fieldName,
    KenhThucHien: String(dossier.channel),
    ChuHoSo: dossier.applicant.name,
    LoaiDoiTuong: String(dossier.applicant.type),
    SoGiayToChuHoSo: dossier.applicant.idNumber,
    DinhDanhCHS: [
      { LoaiDinhDanh: dossier.applicant.idType, SoDinhDanh: dossier.applicant.idNumber },
    ],
    SoDienThoai: dossier.applicant.phone,
    Email: dossier.applicant.email ?? '',
    DiaChiChuHoSo: dossier.applicant.address,
    TrichYeuHoSo: dossier.summary,
    NgayTiepNhan: time(dossier.receivedAt),
    NgayHenTra: time(dossier.dueAt),
    NgayKetThucXuLy: time(dossier.finishedAt),
    NgayTra: time(dossier.returnedAt),
    TrangThaiHoSo: String(dossier.status),
    DonViXuLy: dossier.agency.name,
    HinhThuc: dossier.channel === 3 ? '1' : '0',
    TaiLieuNop: dossier.files.map((file) => ({
      TenTepDinhKem: file.name,
      DuongDanTaiTepTin: file.url,
    })),
    DanhSachLePhi: dossier.fees.map((fee) => ({
      TenPhiLePhi: fee.name,
      MucPhi: String(fee.amount),
    })),
    DanhSachHoSoBoSung: dossier.supplements.map((round) => ({
      NgayYeuCauBoSung: time(round.requestedAt),
      NgayHenTraTruoc: time(round.dueBefore),
      NgayHenTraMoi: time(round.dueAfter),
      NoiDungYeuCauBoSung: round.reason,
    })),
    DanhSachGiayToKetQua: dossier.results.map((result) => ({
      TenGiayTo: result.name,
      SoKyHieu: result.number,
      NgayKy: time(result.issuedAt),
      DuongDanTepTinKetQua: result.url,
    })),
    ...indicatorFields(dossier),
    // Newest step first, as this ministry's system sends it (its registration says so).
    QuaTrinhXuLy: [...dossier.history].reverse().map((step) => ({
      MaHoSo: dossier.code,
      NguoiXuLy: step.actor,
      ChucDanh: step.title,
      ThoiDiemXuLy: time(step.at),
      PhongBanXuLy: step.department,
      NoiDungXuLy: step.content,
      TrangThai: String(step.status),
      NgayBatDau: time(step.startedAt),
      NgayKetThucTheoQuyDinh: time(step.dueAt),
    })),
  };
  if (broken) {
    delete record.MaHoSo;
    delete record.TrangThaiHoSo;
  }
  return record;
}

/**
 * The fields the 2022 format added for Decision 766, derived from the code so that they are the
 * same on every read: where it was submitted (1 the national portal, 2 the ministry's, 3 at the
 * desk — values as this sample system writes them), digitised components (about 70 %), an account
 * verified with VNeID (online dossiers, about 60 %), fees paid online (online dossiers with a fee,
 * about 80 %). Flags are "1" or "0", as the format writes every value as a string.
 */
function indicatorFields(dossier: SampleDossier): Record<string, string> {
  const chance = (what: string, share: number) =>
    unit(0, `${dossier.code}:${what}`) < share ? '1' : '0';
  const online = dossier.channel === 2;
  const fee = dossier.fees.some((entry) => entry.amount > 0);
  return {
    NoiNopHoSo: online ? (unit(0, `${dossier.code}:via`) < 0.7 ? '1' : '2') : '3',
    HoSoCoThanhPhanSoHoa: chance('digitised', 0.7),
    TaiKhoanDuocXacThucVoiVNeID: online ? chance('vneid', 0.6) : '0',
    DuocThanhToanTrucTuyen: online && fee ? chance('paid', 0.8) : '0',
  };
}
