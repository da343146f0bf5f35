import type { DateTime } from 'luxon';
import type { SampleDossier } from '../generator/SampleDataset';

/** The national sync format's time: `yyyyMMddHHmmss`, Vietnam time, as a string (DOMAIN.md §3). */
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
    QuaTrinhXuLy: dossier.history.map((step) => ({
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
