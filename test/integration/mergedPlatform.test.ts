import { decodeVni } from '../../connectors/shared/legacyText';
import { encodeVni } from '../../samples/merged-platform/encodeVni';
import { renderMerged, type MergedDossier } from '../../samples/merged-platform/renderMerged';
import {
  MERGED_MAX_BULK,
  MERGED_MAX_LISTING_DAYS,
  QUIRK_SAMPLES,
  startMergedPlatform,
  type RunningMergedPlatform,
} from '../../samples/merged-platform/startMergedPlatform';
import { DEFAULT_DIRECTORY_FILE } from '../../samples/startSampleSystems';

/**
 * The sample platform of a merged province (samples/merged-platform) over real HTTP: each quirk of
 * issue 22 answered as its README says, checked against the platform's own truth.
 */
const API_KEY = 'test-merged-key';
const CLIENT_ID = 'test-merged-client';

let platform: RunningMergedPlatform;
/** Every dossier's truth, read once (a few thousand, generated). */
let all: MergedDossier[];

beforeAll(async () => {
  platform = await startMergedPlatform({
    port: 0,
    apiKey: API_KEY,
    clientId: CLIENT_ID,
    size: 3000,
    seed: 2025,
    directoryFile: DEFAULT_DIRECTORY_FILE,
  });
  all = [...platform.dataset.codes()].map((code) => platform.truth(code) as MergedDossier);
});

afterAll(async () => {
  await platform.close();
});

interface Call {
  method?: 'GET' | 'POST';
  body?: string;
  key?: string | null;
  client?: string | null;
  query?: Record<string, string>;
}

async function call(path: string, options: Call = {}): Promise<{ status: number; body: any }> {
  const url = new URL(path, platform.url);
  const key = options.key === undefined ? API_KEY : options.key;
  if (key !== null) url.searchParams.set('api_key', key);
  for (const [name, value] of Object.entries(options.query ?? {}))
    url.searchParams.set(name, value);
  const client = options.client === undefined ? CLIENT_ID : options.client;
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    headers: {
      'Content-Type': 'application/json',
      ...(client === null ? {} : { 'X-Client-Id': client }),
    },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  return { status: response.status, body: JSON.parse(await response.text()) };
}

/** The envelope's `data`, which must be JSON written as a string. */
function dataOf(answer: { status: number; body: any }): any {
  expect(answer.status).toBe(200);
  expect(answer.body.status).toBe('OK');
  expect(typeof answer.body.data).toBe('string');
  return JSON.parse(answer.body.data as string);
}

const bulk = (codes: unknown, options: Call = {}) =>
  call('/api/hoso/tracuu', {
    method: 'POST',
    body: JSON.stringify({ DanhSachMaHoSo: codes }),
    ...options,
  });

const migrated = () => all.filter((view) => view.dossier.agency.code.endsWith('.H47'));
const mixedCase = (code: string) =>
  [...code].map((c, i) => (i % 2 === 0 ? c.toLowerCase() : c.toUpperCase())).join('');

describe('1. an API key in the query string and a client id header', () => {
  const code = () => (all[0] as MergedDossier).storedCode;

  it.each([
    ['no api_key', { key: null }],
    ['a wrong api_key', { key: 'wrong' }],
    ['no X-Client-Id', { client: null }],
    ['a wrong X-Client-Id', { client: 'wrong' }],
    ['neither', { key: null, client: null }],
  ])('answers %s with AUTH_INVALID inside HTTP 200', async (_, options) => {
    const before = platform.stats.rejectedAuth;
    const answer = await call(`/api/hoso/${code()}`, options);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      status: 'ERROR',
      error_code: 'AUTH_INVALID',
      error_message: expect.stringContaining('không hợp lệ'),
    });
    expect(answer.body).not.toHaveProperty('data');
    expect(platform.stats.rejectedAuth).toBe(before + 1);
  });

  it('refuses a bulk lookup, a listing and the catalogue the same way', async () => {
    for (const answer of [
      await bulk([code()], { client: null }),
      await call('/api/danhsachhoso', {
        key: 'wrong',
        query: { MaDonVi: '000.00.01.H60', TuNgay: '01/09/2026', DenNgay: '30/09/2026' },
      }),
      await call('/api/thutuc', { key: null }),
    ]) {
      expect(answer.status).toBe(200);
      expect(answer.body.error_code).toBe('AUTH_INVALID');
    }
  });

  it('answers with both', async () => {
    expect(dataOf(await call(`/api/hoso/${code()}`)).MaHoSo).toBe(code());
  });
});

describe('2–3. errors inside HTTP 200, data as JSON text', () => {
  it('answers a single lookup as a JSON document written as a string', async () => {
    const view = all[10] as MergedDossier;
    const answer = await call(`/api/hoso/${view.storedCode}`);
    expect(Object.keys(answer.body).sort()).toEqual(['data', 'status']);
    const record = dataOf(answer);
    expect(record.MaHoSo).toBe(view.storedCode);
    expect(record.MaDonVi).toBe(view.dossier.agency.code);
  });

  it('answers NOT_FOUND for one unknown code, in Vietnamese', async () => {
    const answer = await call('/api/hoso/000.00.01.H60-260101-8999');
    expect(answer).toEqual({
      status: 200,
      body: { status: 'ERROR', error_code: 'NOT_FOUND', error_message: 'Không tìm thấy hồ sơ' },
    });
  });

  it('leaves unknown codes out of a bulk answer, whose data is a list written as text', async () => {
    const known = all.slice(0, 3).map((view) => view.storedCode);
    const records = dataOf(await bulk([...known, '000.00.01.H60-260101-8999']));
    expect(records.map((r: { MaHoSo: string }) => r.MaHoSo)).toEqual(known);
  });

  it(`takes ${MERGED_MAX_BULK} codes a bulk call and answers TOO_MANY_CODES above`, async () => {
    const codes = all.slice(0, MERGED_MAX_BULK + 1).map((view) => view.storedCode);
    expect(dataOf(await bulk(codes.slice(0, MERGED_MAX_BULK)))).toHaveLength(MERGED_MAX_BULK);
    const answer = await bulk(codes);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      status: 'ERROR',
      error_code: 'TOO_MANY_CODES',
      error_message: `Mỗi lần tra cứu tối đa ${MERGED_MAX_BULK} mã hồ sơ`,
    });
  });

  it.each([
    ['a body that is not JSON', { method: 'POST' as const, body: '{"DanhSachMaHoSo": [' }],
    ['codes that are not a list', { method: 'POST' as const, body: '{"DanhSachMaHoSo": "x"}' }],
    ['codes that are not text', { method: 'POST' as const, body: '{"DanhSachMaHoSo": [1, 2]}' }],
  ])('answers BAD_REQUEST for %s', async (_, options) => {
    const answer = await call('/api/hoso/tracuu', options);
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('ERROR');
    expect(answer.body.error_code).toBe('BAD_REQUEST');
    expect(answer.body.error_message).toMatch(/DanhSachMaHoSo/);
  });
});

describe('4. migrated dossiers stored with lower-case codes, found by any case', () => {
  it('answers the absorbed province’s dossiers with lower-case codes, the others as they are', () => {
    expect(migrated().length).toBeGreaterThan(50);
    for (const view of all) {
      const lower = view.dossier.agency.code.endsWith('.H47');
      expect(view.storedCode).toBe(lower ? view.dossier.code.toLowerCase() : view.dossier.code);
    }
    expect((migrated()[0] as MergedDossier).storedCode).toMatch(
      /^\d{3}\.\d{2}\.\d{2}\.h47-\d{6}-\d{4}$/,
    );
  });

  it('finds a migrated dossier by its code in lower, upper and mixed case', async () => {
    const view = migrated()[7] as MergedDossier;
    for (const asked of [
      view.storedCode,
      view.storedCode.toUpperCase(),
      mixedCase(view.storedCode),
    ]) {
      const record = dataOf(await call(`/api/hoso/${encodeURIComponent(asked)}`));
      expect(record.MaHoSo).toBe(view.storedCode);
    }
    const records = dataOf(await bulk([view.storedCode.toUpperCase(), mixedCase(view.storedCode)]));
    expect(records.map((r: { MaHoSo: string }) => r.MaHoSo)).toEqual([
      view.storedCode,
      view.storedCode,
    ]);
  });

  it('finds a merged province’s dossier by its code in lower case, answered upper case', async () => {
    const view = all.find((v) => v.dossier.agency.code.endsWith('.H60')) as MergedDossier;
    const record = dataOf(await call(`/api/hoso/${view.storedCode.toLowerCase()}`));
    expect(record.MaHoSo).toBe(view.dossier.code);
  });
});

describe('5. status code 3 chosen by the procedure type', () => {
  it('writes national 6 as 3 for THUPHI and 9 otherwise, national 5 the other way round', () => {
    const seen = new Set<string>();
    for (const view of all) {
      const { status } = view.dossier;
      if (status !== 5 && status !== 6) continue;
      const three =
        (status === 6 && view.procedureType === 'THUPHI') ||
        (status === 5 && view.procedureType === 'THUONG');
      expect(view.statusCode).toBe(three ? '3' : '9');
      seen.add(`${view.procedureType}:${status}`);
    }
    // Every combination occurs in the sample.
    expect([...seen].sort()).toEqual(['THUONG:5', 'THUONG:6', 'THUPHI:5', 'THUPHI:6']);
  });

  it('answers TrangThai and LoaiThuTuc, and the history steps in the same table', async () => {
    const view = all.find(
      (v) => v.procedureType === 'THUPHI' && v.dossier.status === 6,
    ) as MergedDossier;
    const record = dataOf(await call(`/api/hoso/${view.storedCode}`));
    expect(record).toMatchObject({ TrangThai: '3', LoaiThuTuc: 'THUPHI' });
    const last = record.QuaTrinhXuLy[record.QuaTrinhXuLy.length - 1];
    expect(last.TrangThai).toBe('3');
  });
});

describe('6. VNI-Windows names exactly when FontChu says so', () => {
  it('writes the name and summary in VNI bytes for FontChu "VNI", Unicode otherwise', async () => {
    const vni = migrated().filter((view) => view.font === 'VNI');
    const unicode = all.filter((view) => view.font === 'UNICODE');
    expect(vni.length).toBeGreaterThan(20);
    expect(unicode.length).toBeGreaterThan(20);
    for (const view of [...vni.slice(0, 10), ...unicode.slice(0, 10)]) {
      const record = dataOf(await call(`/api/hoso/${view.storedCode}`));
      expect(record.FontChu).toBe(view.font);
      const name = view.dossier.applicant.name;
      if (view.font === 'VNI') {
        expect(record.ChuHoSo.HoTen).toBe(encodeVni(name));
        expect(record.ChuHoSo.HoTen).not.toBe(name);
        expect(decodeVni(record.ChuHoSo.HoTen)).toBe(name);
        expect(decodeVni(record.TrichYeu)).toBe(view.dossier.summary);
      } else {
        expect(record.ChuHoSo.HoTen).toBe(name);
        expect(record.TrichYeu).toBe(view.dossier.summary);
      }
    }
  });

  it('writes Nguyễn as Nguyeãn, and keeps real Vietnamese Unicode names beside them', () => {
    expect(encodeVni('Nguyễn Minh An')).toBe('Nguyeãn Minh An');
    const unicodeNames = all
      .filter((view) => view.font === 'UNICODE' && view.dossier.agency.code.endsWith('.H47'))
      .map((view) => view.dossier.applicant.name);
    expect(unicodeNames.some((name) => /[ăđơưạ-ỹ]/iu.test(name))).toBe(true);
    // Decoding them as VNI would garble some (CÔNG TY → CƠNG TY): only the flag tells them apart.
    expect(unicodeNames.some((name) => decodeVni(name) !== name)).toBe(true);
  });
});

describe('7–8. date-only due dates; listings of at most 31 days', () => {
  const DAY = /^\d{2}\/\d{2}\/\d{4}$/;
  const TIME = /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/;

  it('writes the due date as dd/MM/yyyy and the other dates with a time', async () => {
    const view = all.find((v) => v.dossier.supplements.length > 0) as MergedDossier;
    const record = dataOf(await call(`/api/hoso/${view.storedCode}`));
    expect(record.NgayHenTra).toMatch(DAY);
    expect(record.NgayHenTra).toBe(view.dossier.dueAt.toFormat('dd/MM/yyyy'));
    expect(record.NgayTiepNhan).toMatch(TIME);
    expect(record.BoSung[0].HanMoi).toMatch(DAY);
    expect(record.BoSung[0].NgayYeuCau).toMatch(TIME);
  });

  const listing = (query: Record<string, string>) => call('/api/danhsachhoso', { query });

  it(`lists ${MERGED_MAX_LISTING_DAYS} days, and answers RANGE_TOO_LONG for one day more`, async () => {
    const days31 = dataOf(
      await listing({ MaDonVi: '000.00.01.H47', TuNgay: '01/03/2025', DenNgay: '31/03/2025' }),
    );
    const expected = platform.dataset.listReceived(
      '000.00.01.H47',
      '2025-03-01',
      '2025-03-31',
      0,
      100,
    );
    expect(days31.TongSo).toBe(expected.total);
    expect(days31.TongSo).toBeGreaterThan(0);
    expect(days31.DanhSach.map((r: { MaHoSo: string }) => r.MaHoSo)).toEqual(
      expected.dossiers.map((d) => d.code.toLowerCase()),
    );
    const answer = await listing({
      MaDonVi: '000.00.01.H47',
      TuNgay: '01/03/2025',
      DenNgay: '01/04/2025',
    });
    expect(answer).toEqual({
      status: 200,
      body: {
        status: 'ERROR',
        error_code: 'RANGE_TOO_LONG',
        error_message: `Khoảng thời gian tra cứu tối đa ${MERGED_MAX_LISTING_DAYS} ngày`,
      },
    });
  });

  it('takes the agency in any case, and pages', async () => {
    const query = { TuNgay: '01/09/2026', DenNgay: '30/09/2026', SoBanGhi: '5' };
    const first = dataOf(await listing({ ...query, MaDonVi: '000.00.01.h60' }));
    const second = dataOf(await listing({ ...query, MaDonVi: '000.00.01.H60', Trang: '2' }));
    expect(first.TongSo).toBeGreaterThan(10);
    expect(second.TongSo).toBe(first.TongSo);
    expect(first.DanhSach).toHaveLength(5);
    const codes = [...first.DanhSach, ...second.DanhSach].map((r: { MaHoSo: string }) => r.MaHoSo);
    expect(new Set(codes).size).toBe(10);
  });

  it.each([
    ['no agency', { TuNgay: '01/09/2026', DenNgay: '30/09/2026' }],
    ['ISO dates', { MaDonVi: '000.00.01.H60', TuNgay: '2026-09-01', DenNgay: '2026-09-30' }],
    [
      'an end before the start',
      { MaDonVi: '000.00.01.H60', TuNgay: '30/09/2026', DenNgay: '01/09/2026' },
    ],
    [
      'a page that is no number',
      { MaDonVi: '000.00.01.H60', TuNgay: '01/09/2026', DenNgay: '02/09/2026', Trang: 'x' },
    ],
  ])('answers BAD_REQUEST for %s', async (_, query) => {
    const answer = await listing(query);
    expect(answer.status).toBe(200);
    expect(answer.body.error_code).toBe('BAD_REQUEST');
    expect(typeof answer.body.error_message).toBe('string');
  });
});

describe('10. enterprises by tax code; a catalogue without channels', () => {
  it('identifies enterprises by a 10- or 13-digit tax code, citizens by their ID', async () => {
    const lengths = new Set<number>();
    for (const view of all) {
      const { applicant } = view.dossier;
      if (applicant.type === 2) {
        expect(view.idKind).toBe('MST');
        expect(applicant.idNumber).toMatch(/^(\d{10}|\d{13})$/);
        lengths.add(applicant.idNumber.length);
      } else expect(view.idKind).toBe(applicant.idNumber.length === 12 ? 'CCCD' : 'CMND');
    }
    expect([...lengths].sort()).toEqual([10, 13]);
    const branch = all.find((v) => v.dossier.applicant.idNumber.length === 13) as MergedDossier;
    const record = dataOf(await call(`/api/hoso/${branch.storedCode}`));
    expect(record.ChuHoSo).toMatchObject({
      LoaiDoiTuong: 'DOANHNGHIEP',
      LoaiGiayTo: 'MST',
      SoGiayTo: branch.dossier.applicant.idNumber,
    });
  });

  it('publishes one time limit and one fee list per procedure, as JSON text, paged', async () => {
    const first = dataOf(await call('/api/thutuc', { query: { Trang: '1', SoBanGhi: '4' } }));
    expect(first.TongSo).toBeGreaterThan(4);
    expect(first.DanhSach).toHaveLength(4);
    for (const entry of first.DanhSach) {
      expect(typeof entry.ThoiHanGiaiQuyet).toBe('string');
      expect(Array.isArray(entry.PhiLePhi)).toBe(true);
      expect(['THUPHI', 'THUONG']).toContain(entry.LoaiThuTuc);
      expect(JSON.stringify(entry)).not.toMatch(/[Kk]enh|channel/);
    }
  });
});

describe('the platform’s own truth', () => {
  it('gives 50 codes to sample that show every quirk, each found as the truth says', async () => {
    const codes = platform.sampleCodes(50);
    expect(codes).toHaveLength(50);
    expect(new Set(codes).size).toBe(50);
    const views = codes.map((code) => platform.truth(code) as MergedDossier);
    for (const quirk of QUIRK_SAMPLES)
      expect([quirk.name, views.some(quirk.holds)]).toEqual([quirk.name, true]);
    const records = [
      ...dataOf(await bulk(codes.slice(0, 20))),
      ...dataOf(await bulk(codes.slice(20, 40))),
      ...dataOf(await bulk(codes.slice(40))),
    ];
    expect(records).toEqual(views.map((view) => renderMerged(view)));
  });

  it('takes a status change by a lower-case code, and answers it in lookups', async () => {
    const view = migrated().find((v) => v.dossier.status === 4) as MergedDossier;
    const response = await fetch(`${platform.url}/__sample/dossiers/${view.storedCode}/status`, {
      method: 'POST',
      body: JSON.stringify({ status: 10 }),
    });
    expect(response.status).toBe(200);
    const record = dataOf(await call(`/api/hoso/${view.storedCode}`));
    expect(record.TrangThai).toBe('5');
    expect(platform.truth(view.storedCode)?.dossier.status).toBe(10);
  });

  it('answers the truth of a dossier by any case of its code, with the record it answers', async () => {
    // Not one whose status the test above changed.
    const view = migrated().find((v) => v.dossier.status !== 4) as MergedDossier;
    const response = await fetch(`${platform.url}/__sample/truth/${view.storedCode.toUpperCase()}`);
    expect(response.status).toBe(200);
    const truth = (await response.json()) as any;
    expect(truth).toMatchObject({
      storedCode: view.storedCode,
      procedureType: view.procedureType,
      statusCode: view.statusCode,
      font: view.font,
      idKind: view.idKind,
    });
    expect(truth.dossier.status).toBe(view.dossier.status);
    expect(truth.record).toEqual(dataOf(await call(`/api/hoso/${view.storedCode}`)));
    const unknown = await fetch(`${platform.url}/__sample/truth/000.00.01.H60-260101-8999`);
    expect(unknown.status).toBe(404);
  });
});
