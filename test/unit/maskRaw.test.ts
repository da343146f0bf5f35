import type { NationalDossier } from '../../connectors/model';
import { maskRawAnswer } from '../../src/services/operations/maskRaw';

const dossier = {
  code: '000.00.01.H56-260924-0001',
  procedureCode: '1.001612',
  procedureName: 'Đăng ký thành lập hộ kinh doanh',
  fieldCode: 'G05-KD',
  fieldName: 'Thành lập và hoạt động của hộ kinh doanh',
  agencyCode: '000.00.01.H56',
  agencyName: 'Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa',
  channel: { code: 1, raw: 'DIRECT' },
  applicant: {
    name: 'Lương Khánh Yến',
    type: 1,
    ids: [{ type: '1', number: '038085001234' }],
    phone: '0912345678',
    email: 'yen@example.vn',
    address: 'Số 12 ngõ 5, phường Hạc Thành, tỉnh Thanh Hóa',
  },
  summary: 'Đăng ký hộ kinh doanh của bà Yến',
  files: [],
  receivedAt: '2026-09-24T14:24:44+07:00',
  dueAt: '2026-09-29T16:30:00+07:00',
  finishedAt: null,
  returnedAt: null,
  status: { code: 4, raw: 'processing' },
  history: [
    {
      at: '2026-09-24T14:24:44+07:00',
      actor: 'Trần Minh Tuấn',
      department: 'Bộ phận Một cửa',
      content: 'Tiếp nhận hồ sơ',
      status: { code: 2, raw: 'new' },
    },
  ],
  fees: [],
  results: [],
  supplements: [],
  warnings: [],
} as unknown as NationalDossier;

describe('maskRawAnswer: the console raw view, deny by default', () => {
  it('keeps codes, mapped names of procedures and agencies, status words and mapped dates; masks the rest', () => {
    const raw = JSON.stringify({
      total: 1,
      data: [
        {
          dossierNo: '000.00.01.H56-260924-0001',
          serviceName: 'Đăng ký thành lập hộ kinh doanh',
          govAgencyName: 'Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa',
          dossierStatus: 'processing',
          applicantChannel: 'DIRECT',
          receiveDate: '24/09/2026 14:24:44',
          applicantName: 'Lương Khánh Yến',
          // Split over fields, spaced digits, unmapped personal fields, a number, a key.
          ho: 'Lương',
          ten: 'Khánh Yến',
          contactTelNo: '0912 345 678',
          idNo: 38085001234,
          birthDate: '12/05/1980',
          representative: 'Nguyễn Văn An',
          'Lương Khánh Yến': { note: 'a key that is a name' },
          dossierActions: [{ actionUser: 'Trần Minh Tuấn', actionNote: 'Tiếp nhận hồ sơ' }],
        },
        { dossierNo: '000.00.01.H56-260924-0002', applicantName: 'Hồ Gia Bảo' },
      ],
    });
    const masked = maskRawAnswer(raw, [dossier]);
    for (const kept of [
      '000.00.01.H56-260924-0001',
      'Đăng ký thành lập hộ kinh doanh',
      'Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa',
      '"processing"',
      '"DIRECT"',
      '24/09/2026 14:24:44',
      'Tiếp nhận hồ sơ',
      '"Lương K**** Y**"',
      '000.00.01.H56-260924-0002',
    ]) {
      expect(masked).toContain(kept);
    }
    for (const hidden of [
      'Khánh Yến',
      '"Lương"',
      '0912 345 678',
      '38085001234',
      '12/05/1980',
      'Nguyễn Văn An',
      'Trần Minh Tuấn',
      'Hồ Gia Bảo',
      'a key that is a name',
    ]) {
      expect(masked).not.toContain(hidden);
    }
    expect(JSON.parse(masked).data[0]).toMatchObject({ ho: '***', idNo: '***' });
  });

  it('masks XML text, CDATA and attributes (either quote), drops comments, keeps namespaces', () => {
    const raw =
      '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">' +
      '<soap:Body><HoSo Ma="000.00.01.H56-260924-0001" ChuHoSo=\'Lương Khánh Yến\' SoDT = "0912 345 678">' +
      '<TrangThai>4</TrangThai><HoTen><![CDATA[Lương Khánh Yến]]></HoTen><GhiChu><![CDATA[<b>Nguyễn Văn An</b>]]></GhiChu>' +
      '<!-- khách: Nguyễn Văn An 038085001234 --><NgayNhan>24/09/2026 14:24:44</NgayNhan>' +
      '<DiaChi>Số 12 ngõ 5, phường Hạc Thành</DiaChi></HoSo></soap:Body></soap:Envelope>';
    const masked = maskRawAnswer(raw, [dossier]);
    expect(masked).toContain('xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"');
    expect(masked).toContain('Ma="000.00.01.H56-260924-0001"');
    expect(masked).toContain("ChuHoSo='Lương K**** Y**'");
    expect(masked).toContain('<TrangThai>4</TrangThai>');
    expect(masked).toContain('<HoTen><![CDATA[Lương K**** Y**]]></HoTen>');
    expect(masked).toContain('<NgayNhan>24/09/2026 14:24:44</NgayNhan>');
    for (const hidden of [
      '0912 345 678',
      'Nguyễn Văn An',
      '038085001234',
      'Số 12 ngõ 5',
      'khách',
    ]) {
      expect(masked).not.toContain(hidden);
    }
  });

  it('masks everything but harmless tokens when nothing was found (an error body, a 404)', () => {
    const raw = JSON.stringify({
      error: 'NOT_FOUND',
      message: 'Không tìm thấy hồ sơ của ông Nguyễn Văn An',
      record: { hoTen: 'Nguyễn Văn An', diaChi: 'Số 12 ngõ 5', receiveDate: '24/09/2026 14:24:44' },
    });
    const masked = JSON.parse(maskRawAnswer(raw, []));
    expect(masked).toEqual({
      error: 'NOT_FOUND',
      message: '***',
      record: { hoTen: '***', diaChi: '***', receiveDate: '***' },
    });
    expect(maskRawAnswer('<html><body><h1>503 Service Unavailable</h1></body></html>', [])).toBe(
      '<html><body><h1>***</h1></body></html>',
    );
  });
});
