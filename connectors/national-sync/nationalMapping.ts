import type { DossierMappingSpec } from '../shared/dossierMapping';
import type { ProcedureMappingSpec } from '../shared/procedureMapping';

/**
 * The national sync format (DongBoHoSoMC with its processing history CapNhatTienDoHoSoMC;
 * docs/domain.md §3) as a mapping. Top-level names are those of docs/domain.md; names inside the lists of
 * fees, results and supplements, and the applicant's address, are as seen in practice
 * (unverified), so a registration may override any entry under `mapping`.
 */
export const NATIONAL_MAPPING: DossierMappingSpec = {
  code: 'MaHoSo',
  status: 'TrangThaiHoSo',
  procedureCode: 'MaTTHC',
  procedureName: 'TenTTHC',
  fieldCode: 'MaLinhVuc',
  fieldName: 'TenLinhVuc',
  agencyName: 'DonViXuLy',
  channel: 'KenhThucHien',
  summary: 'TrichYeuHoSo',
  receivedAt: 'NgayTiepNhan',
  dueAt: 'NgayHenTra',
  finishedAt: 'NgayKetThucXuLy',
  returnedAt: 'NgayTra',
  applicant: {
    name: 'ChuHoSo',
    type: 'LoaiDoiTuong',
    phone: 'SoDienThoai',
    email: 'Email',
    address: 'DiaChiChuHoSo',
    ids: {
      // DinhDanhCHS when present, otherwise the single SoGiayToChuHoSo.
      each: "DinhDanhCHS ? DinhDanhCHS : (SoGiayToChuHoSo ? {'SoDinhDanh': SoGiayToChuHoSo})",
      fields: { type: 'LoaiDinhDanh', number: 'SoDinhDanh' },
    },
  },
  files: { each: 'TaiLieuNop', fields: { name: 'TenTepDinhKem', url: 'DuongDanTaiTepTin' } },
  history: {
    each: 'QuaTrinhXuLy',
    fields: {
      at: 'ThoiDiemXuLy',
      actor: 'NguoiXuLy',
      actorTitle: 'ChucDanh',
      department: 'PhongBanXuLy',
      content: 'NoiDungXuLy',
      status: 'TrangThai',
      startedAt: 'NgayBatDau',
      dueAt: 'NgayKetThucTheoQuyDinh',
    },
  },
  fees: { each: 'DanhSachLePhi', fields: { name: 'TenPhiLePhi', amount: 'MucPhi' } },
  results: {
    each: 'DanhSachGiayToKetQua',
    fields: {
      name: 'TenGiayTo',
      number: 'SoKyHieu',
      issuedAt: 'NgayKy',
      url: 'DuongDanTepTinKetQua',
    },
  },
  supplements: {
    each: 'DanhSachHoSoBoSung',
    fields: {
      requestedAt: 'NgayYeuCauBoSung',
      dueBefore: 'NgayHenTraTruoc',
      dueAfter: 'NgayHenTraMoi',
      reason: 'NoiDungYeuCauBoSung',
    },
  },
  // The fields the 2022 format added for Decision 766 (docs/domain.md §3); whether a result was
  // electronic and whether the dossier reached the portal are the system's own to map.
  digital: {
    submittedVia: 'NoiNopHoSo',
    digitised: 'HoSoCoThanhPhanSoHoa',
    vneidVerified: 'TaiKhoanDuocXacThucVoiVNeID',
    paidOnline: 'DuocThanhToanTrucTuyen',
  },
};

/**
 * The national procedure catalogue's record (docs/domain.md §4). `MALINHVUC`/`TENLINHVUC` and
 * `SOVANBAN`/`TENVANBAN` are as docs/domain.md gives them; the other names follow the same upper-case
 * style as seen in practice (unverified) and may be overridden under `catalogue.mapping`.
 */
export const NATIONAL_PROCEDURE_MAPPING: ProcedureMappingSpec = {
  code: 'MATTHC',
  name: 'TENTTHC',
  fieldCode: 'MALINHVUC',
  fieldName: 'TENLINHVUC',
  onlineLevel: 'MUCDO',
  state: 'TRANGTHAI',
  implementingAgencies: { each: 'COQUANTHUCHIEN', fields: { code: 'MACOQUAN', name: 'TENCOQUAN' } },
  channels: {
    each: 'CACHTHUCTHUCHIEN',
    fields: {
      channel: 'KENH',
      processingTime: 'THOIGIAN',
      processingDays: 'SONGAY',
      fees: { each: 'PHILEPHI', fields: { name: 'TENPHILEPHI', amount: 'MUCPHI' } },
    },
  },
  documents: {
    each: 'THANHPHANHOSO',
    fields: { name: 'TENGIAYTO', formName: 'TENMAUDON', formUrl: 'URLMAUDON' },
  },
  legalBases: { each: 'CANCUPHAPLY', fields: { number: 'SOVANBAN', title: 'TENVANBAN' } },
};
