import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NationalDossier } from '../../connectors/model';
import { restJsonKind } from '../../connectors/rest-json/restJsonKind';
import { createUpstreamHttp } from '../../src/runtime/createUpstreamHttp';
import { NetworkPolicy } from '../../src/runtime/NetworkPolicy';
import { createTestLogger } from '../support/testLogger';

/**
 * Issue 22, items 5 and 6, through the rest-json kind against a real HTTP server: a platform
 * whose status 3 means "waiting for payment" for fee-charging procedures and "waiting for
 * supplement" for the others, and whose names are VNI exactly when the record's FontChu says so.
 */
const A = '000.01.01.H47-260101-0001';
const B = '000.01.01.H47-260101-0002';
const C = '000.01.01.H47-260101-0003';

const RECORDS = [
  {
    MaHoSo: A,
    TrangThai: '3',
    LoaiThuTuc: 'THUPHI',
    FontChu: 'VNI',
    NgayNhan: '05/01/2026',
    // "Hồ Thị Lan" in VNI: reads as Unicode words, detection leaves it; the flag decodes it.
    ChuHoSo: 'Hoà Thò Lan',
    TrichYeu: 'Caáp giaáy pheùp xaây döïng',
    QuaTrinh: [
      { TrangThai: '2', NoiDung: 'Tieáp nhaän hoà sô' },
      { TrangThai: '3', NoiDung: 'Chôø noäp phí' },
    ],
  },
  {
    MaHoSo: B,
    TrangThai: '3',
    LoaiThuTuc: 'BOSUNG',
    FontChu: 'UNICODE',
    NgayNhan: '06/01/2026',
    // Unicode with letters VNI uses as marks ("oà" would decode to "ồ"): the flag keeps it.
    ChuHoSo: 'Lê Toàn',
    TrichYeu: 'Hoà giải',
    QuaTrinh: [{ TrangThai: '3', NoiDung: 'Chờ bổ sung' }],
  },
  {
    MaHoSo: C,
    TrangThai: '3',
    NgayNhan: '07/01/2026',
    // No flag: detection decides.
    ChuHoSo: 'Nguyeãn Minh An',
    TrichYeu: 'Hoà Bình',
    QuaTrinh: [],
  },
];

const CONFIG = {
  lookup: { bulk: { path: '/api/hoso/tracuu', records: 'data' } },
  listing: {
    path: '/api/hoso/danhsach',
    query: { donvi: '$agency', tu: '$from', den: '$to' },
    records: 'data',
    pagination: { type: 'page', size: 50 },
    dateFormat: 'dd/MM/yyyy',
  },
  mapping: {
    code: 'MaHoSo',
    status: 'TrangThai',
    receivedAt: 'NgayNhan',
    summary: 'TrichYeu',
    applicant: { name: 'ChuHoSo' },
    history: { each: 'QuaTrinh', fields: { status: 'TrangThai', content: 'NoiDung' } },
  },
  statuses: {
    map: { '1': 2, '2': 4, '3': 5, '4': 10 },
    byRecord: { select: 'LoaiThuTuc', tables: { THUPHI: { map: { '3': 6 } } } },
  },
  legacyText: [
    {
      encoding: 'vni',
      fields: ['applicant.name', 'summary', 'history[].content'],
      when: 'FontChu = "VNI" ? true : FontChu = "UNICODE" ? false : null',
    },
  ],
};

describe('rest-json: status tables and legacy text chosen by the record', () => {
  let server: Server;
  let baseUrl: string;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        requests.push(`${request.method} ${request.url}`);
        const url = new URL(request.url ?? '/', 'http://x');
        let data: unknown[] = [];
        if (request.method === 'POST' && url.pathname === '/api/hoso/tracuu') {
          const codes = (JSON.parse(body) as { codes: string[] }).codes;
          data = RECORDS.filter((record) => codes.includes(record.MaHoSo));
        } else if (url.pathname === '/api/hoso/danhsach') {
          data = url.searchParams.get('donvi') === '000.01.01.H47' ? RECORDS : [];
        } else {
          response.writeHead(404).end();
          return;
        }
        response
          .writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
          .end(JSON.stringify({ data }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const connector = () =>
    restJsonKind.create(restJsonKind.configSchema.parse(CONFIG), {
      connectorId: 'vnpt-h47',
      http: createUpstreamHttp({
        network: NetworkPolicy.unrestricted(),
        connectorId: 'vnpt-h47',
        baseUrl,
        timeoutMs: 5000,
        auth: { type: 'none' },
        maxResponseBytes: 1 << 20,
        now: Date.now,
      }),
      logger: createTestLogger(),
      clock: { now: () => new Date() },
    });
  const call = () => ({ signal: new AbortController().signal, requestId: 'record-tables' });

  it('maps 3 to 6 for one procedure type and 5 for another, raw kept "3", history too', async () => {
    const [a, b, c] = (await connector().getDossiers([A, B, C], call())) as NationalDossier[];
    expect(requests).toContain('POST /api/hoso/tracuu');
    expect(a?.status).toEqual({ code: 6, raw: '3', lossy: false, mayBe: [] });
    expect(a?.history.map((step) => step.status)).toEqual([
      { code: 4, raw: '2', lossy: false, mayBe: [] },
      { code: 6, raw: '3', lossy: false, mayBe: [] },
    ]);
    expect(b?.status).toEqual({ code: 5, raw: '3', lossy: false, mayBe: [] });
    expect(b?.history[0]?.status).toEqual({ code: 5, raw: '3', lossy: false, mayBe: [] });
    expect(c?.status).toEqual({ code: 5, raw: '3', lossy: false, mayBe: [] });
  });

  it('decodes names flagged VNI, keeps names flagged Unicode, detects the unflagged', async () => {
    const [a, b, c] = (await connector().getDossiers([A, B, C], call())) as NationalDossier[];
    expect(a?.applicant.name).toBe('Hồ Thị Lan');
    expect(a?.summary).toBe('Cấp giấy phép xây dựng');
    expect(a?.history.map((step) => step.content)).toEqual(['Tiếp nhận hồ sơ', 'Chờ nộp phí']);
    expect(a?.warnings).toContainEqual({ field: 'applicant.name', problem: 'decoded from VNI' });
    expect(b?.applicant.name).toBe('Lê Toàn');
    expect(b?.summary).toBe('Hoà giải');
    expect(b?.warnings).toEqual([]);
    expect(c?.applicant.name).toBe('Nguyễn Minh An');
    expect(c?.summary).toBe('Hoà Bình');
    // C gives no procedure type: the registration's table, said in a warning.
    expect(c?.warnings).toEqual([
      {
        field: 'status',
        problem:
          'statuses.byRecord.select gave no value: the status table without byRecord is used',
      },
      { field: 'applicant.name', problem: 'decoded from VNI' },
    ]);
  });

  it('lists with the same tables: reports count code 3 by the record’s meaning', async () => {
    const page = await connector().listDossiers!(
      { agencyCode: '000.01.01.H47', from: '2026-01-01', to: '2026-01-31' },
      null,
      call(),
    );
    expect(requests.some((request) => request.startsWith('GET /api/hoso/danhsach?'))).toBe(true);
    expect(page.unreadable).toBe(0);
    expect(page.dossiers.map((dossier) => [dossier.code, dossier.status.code])).toEqual([
      [A, 6],
      [B, 5],
      [C, 5],
    ]);
  });
});
