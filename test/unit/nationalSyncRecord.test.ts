import type { NationalDossier } from '../../connectors/model';
import { nationalSyncKind } from '../../connectors/national-sync/nationalSyncKind';
import { compileMapping } from '../../connectors/shared/dossierMapping';
import { ExpressionCompiler } from '../../connectors/shared/expression/ExpressionCompiler';
import { normaliseDossier } from '../../connectors/shared/normaliseDossier';
import { buildTables } from '../../connectors/shared/tablesSchema';
import { renderNational } from '../../samples/ministry-national/renderNational';
import { ministryDataset } from '../../samples/ministry-national/startMinistryNational';
import { DEFAULT_DIRECTORY_FILE } from '../../samples/startSampleSystems';
import { nationalSyncRecord } from '../../src/services/sync/nationalSyncRecord';

/** Reads a record as the `national-sync` kind does (its mapping and tables; `extra` overrides). */
async function readNational(
  record: unknown,
  extra: Record<string, unknown> = {},
): Promise<NationalDossier> {
  const config = nationalSyncKind.configSchema.parse({
    lookup: { single: { path: '/HoSo/{code}' } },
    ...extra,
  });
  const mapped = await compileMapping(config.mapping, new ExpressionCompiler(1000)).evaluate(
    record,
  );
  return normaliseDossier(mapped, buildTables(config));
}

const status = (code: 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10) => ({
  code,
  raw: String(code),
  lossy: false,
  mayBe: [],
});

const FULL: NationalDossier = {
  code: '000.00.20.G09-251104-0007',
  procedureCode: '1.012345',
  procedureName: 'Cấp giấy phép hoạt động tôn giáo'.normalize('NFC'),
  fieldCode: 'TG',
  fieldName: 'Tôn giáo',
  agencyCode: '000.00.20.G09',
  agencyName: 'Ban Tôn giáo Chính phủ',
  channel: { code: 2, raw: '2' },
  applicant: {
    name: 'Trần Thị Hoà',
    type: 1,
    ids: [{ type: '1', number: '038190000123' }],
    phone: '0912000111',
    email: 'hoa@example.vn',
    address: 'phường Ba Đình, thành phố Hà Nội',
  },
  summary: 'Đề nghị cấp phép',
  files: [{ name: 'Đơn đề nghị.pdf', url: 'https://files.example/1' }],
  receivedAt: '2025-11-04T08:15:00+07:00',
  dueAt: '2025-11-18T17:00:00+07:00',
  finishedAt: '2025-11-10T10:00:00+07:00',
  returnedAt: '2025-11-11T09:30:00+07:00',
  status: status(10),
  history: [
    {
      at: '2025-11-04T08:15:00+07:00',
      actor: 'Lê Văn Cán',
      actorTitle: 'Chuyên viên',
      department: 'Bộ phận một cửa',
      content: 'Tiếp nhận hồ sơ',
      status: status(2),
      startedAt: '2025-11-04T08:15:00+07:00',
      dueAt: '2025-11-05T08:15:00+07:00',
    },
    {
      at: '2025-11-11T09:30:00+07:00',
      actor: null,
      actorTitle: null,
      department: null,
      content: 'Trả kết quả',
      status: status(10),
      startedAt: null,
      dueAt: null,
    },
  ],
  fees: [
    { name: 'Lệ phí', amount: 50000, charged: true, text: '50.000 đồng' },
    { name: 'Phí thẩm định', amount: null, charged: false, text: 'Không thu' },
  ],
  results: [
    {
      name: 'Giấy phép',
      number: '12/GP-BTG',
      issuedAt: '2025-11-10T10:00:00+07:00',
      url: 'https://files.example/kq',
    },
  ],
  supplements: [
    {
      requestedAt: '2025-11-05T09:00:00+07:00',
      dueBefore: '2025-11-18T17:00:00+07:00',
      dueAfter: '2025-11-20T17:00:00+07:00',
      reason: 'Thiếu bản sao',
    },
  ],
  interAgency: { reference: null, parts: [] },
  digital: {
    submittedVia: 'DVCQG',
    digitised: true,
    vneidVerified: false,
    paidOnline: true,
    electronicResult: null,
    syncedToPortal: null,
  },
  warnings: [],
};

describe('nationalSyncRecord: a dossier in the national sync format (DongBoHoSoMC)', () => {
  it('writes every value as a string and times as yyyyMMddHHmmss in Vietnam time', () => {
    const record = nationalSyncRecord({ ...FULL, receivedAt: '2025-11-04T01:15:00Z' });
    expect(record).toMatchObject({
      MaHoSo: FULL.code,
      TrangThaiHoSo: '10',
      MaDonVi: '000.00.20.G09',
      DonViXuLy: 'Ban Tôn giáo Chính phủ',
      KenhThucHien: '2',
      LoaiDoiTuong: '1',
      NgayTiepNhan: '20251104081500',
      NgayHenTra: '20251118170000',
      SoGiayToChuHoSo: '038190000123',
      DinhDanhCHS: [{ LoaiDinhDanh: '1', SoDinhDanh: '038190000123' }],
      HoSoCoThanhPhanSoHoa: '1',
      TaiKhoanDuocXacThucVoiVNeID: '0',
    });
    const history = record.QuaTrinhXuLy as Array<Record<string, unknown>>;
    expect(history[0]).toEqual({
      MaHoSo: FULL.code,
      ThoiDiemXuLy: '20251104081500',
      NguoiXuLy: 'Lê Văn Cán',
      ChucDanh: 'Chuyên viên',
      PhongBanXuLy: 'Bộ phận một cửa',
      NoiDungXuLy: 'Tiếp nhận hồ sơ',
      TrangThai: '2',
      NgayBatDau: '20251104081500',
      NgayKetThucTheoQuyDinh: '20251105081500',
    });
    // Nothing but strings, objects and lists of them; a value the dossier lacks is left out.
    const leaves = (value: unknown): unknown[] =>
      Array.isArray(value)
        ? value.flatMap(leaves)
        : typeof value === 'object' && value !== null
          ? Object.values(value).flatMap(leaves)
          : [value];
    expect(leaves(record).every((leaf) => typeof leaf === 'string' && leaf !== '')).toBe(true);
    expect(history[1]).not.toHaveProperty('NguoiXuLy');
  });

  it('reads back, with the national-sync kind’s mapping, as the same dossier', async () => {
    const back = await readNational(nationalSyncRecord(FULL));
    // The kind does not read the agency's code unless a registration maps it (MaDonVi).
    expect(back).toEqual({ ...FULL, agencyCode: null });
    const mapped = await readNational(nationalSyncRecord(FULL), {
      mapping: { agencyCode: 'MaDonVi' },
    });
    expect(mapped).toEqual(FULL);
  });

  it('reads back the ministry sample system’s dossiers as they were read from it', async () => {
    const dataset = ministryDataset({ size: 300, seed: 21, directoryFile: DEFAULT_DIRECTORY_FILE });
    const codes = dataset.exampleCodes(10);
    expect(codes.length).toBeGreaterThanOrEqual(3);
    for (const code of codes) {
      const first = await readNational(renderNational(dataset.get(code)!, false));
      expect(first.history.length).toBeGreaterThan(0);
      const again = await readNational(nationalSyncRecord(first));
      expect(again).toEqual(first);
    }
  });

  it('leaves out a status that has no national code', () => {
    const record = nationalSyncRecord({
      ...FULL,
      status: { code: null, raw: 'interoperating', lossy: true, mayBe: [] },
    });
    expect(record).not.toHaveProperty('TrangThaiHoSo');
  });
});

describe('nationalSyncRecord: dates given without a time', () => {
  const DAY_ONLY: NationalDossier = {
    ...FULL,
    dueAt: '2025-11-18T17:00:00+07:00',
    receivedAt: '2025-11-04T00:00:00+07:00',
    datesWithoutTime: ['receivedAt', 'dueAt'],
    history: [
      {
        ...(FULL.history[0] as NationalDossier['history'][number]),
        dueAt: '2025-11-05T17:00:00+07:00',
        datesWithoutTime: ['dueAt'],
      },
      FULL.history[1] as NationalDossier['history'][number],
    ],
    supplements: [
      {
        ...(FULL.supplements[0] as NationalDossier['supplements'][number]),
        dueAfter: '2025-11-20T17:00:00+07:00',
        datesWithoutTime: ['dueAfter'],
      },
    ],
  };

  it('writes the day alone (yyyyMMdd), never a time the system did not give', () => {
    const record = nationalSyncRecord(DAY_ONLY);
    expect(record).toMatchObject({ NgayHenTra: '20251118', NgayTiepNhan: '20251104' });
    // Dates that had their time keep all 14 digits.
    expect(record.NgayKetThucXuLy).toBe('20251110100000');
    const history = record.QuaTrinhXuLy as Array<Record<string, unknown>>;
    expect(history[0]?.NgayKetThucTheoQuyDinh).toBe('20251105');
    expect(history[0]?.NgayBatDau).toBe('20251104081500');
    const rounds = record.DanhSachHoSoBoSung as Array<Record<string, unknown>>;
    expect(rounds[0]).toMatchObject({
      NgayHenTraTruoc: '20251118170000',
      NgayHenTraMoi: '20251120',
    });
  });

  it('reads back, with the national-sync kind, as the same dossier, flags included', async () => {
    const back = await readNational(nationalSyncRecord(DAY_ONLY), {
      mapping: { agencyCode: 'MaDonVi' },
    });
    expect(back).toEqual(DAY_ONLY);
  });
});

describe('nationalSyncRecord: identity kinds and channels', () => {
  it('writes a tax code’s type as mapped and reads it back', async () => {
    const withTaxCode: NationalDossier = {
      ...FULL,
      applicant: {
        ...FULL.applicant,
        type: 2,
        ids: [{ type: 'MST', number: '0101234567-001' }],
      },
    };
    const record = nationalSyncRecord(withTaxCode);
    expect(record.DinhDanhCHS).toEqual([{ LoaiDinhDanh: 'MST', SoDinhDanh: '0101234567-001' }]);
    expect(await readNational(record, { mapping: { agencyCode: 'MaDonVi' } })).toEqual(withTaxCode);
  });

  it('leaves KenhThucHien out for every channel (ALL), which has no national code', () => {
    const record = nationalSyncRecord({ ...FULL, channel: { code: 'ALL', raw: 'tất cả' } });
    expect(record).not.toHaveProperty('KenhThucHien');
    // An unmapped channel is sent as the system sent it.
    expect(nationalSyncRecord({ ...FULL, channel: { code: null, raw: '9' } }).KenhThucHien).toBe(
      '9',
    );
  });
});
