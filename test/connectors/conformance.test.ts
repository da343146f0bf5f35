import { NetworkPolicy } from '../../src/runtime/NetworkPolicy';
import { XMLParser } from 'fast-xml-parser';
import type nock from 'nock';
import { nationalSyncKind } from '../../connectors/national-sync/nationalSyncKind';
import { restJsonKind } from '../../connectors/rest-json/restJsonKind';
import { soapKind } from '../../connectors/soap/soapKind';
import { connectorKind as twoStepRestKind } from '../../examples/kinds/two-step-rest/twoStepRestKind';
import {
  defineConnectorConformanceSuite,
  type ConformanceSubject,
  type UpstreamReply,
} from '../../connectors/testkit/conformanceSuite';
import { createUpstreamHttp } from '../../src/runtime/createUpstreamHttp';
import { createTestLogger } from '../support/testLogger';

const options = {
  createDeps: (baseUrl: string, timeoutMs: number) => ({
    connectorId: 'conformance',
    http: createUpstreamHttp({
      network: NetworkPolicy.unrestricted(),
      connectorId: 'conformance',
      baseUrl,
      timeoutMs,
      auth: { type: 'none' },
      maxResponseBytes: 1 << 20,
      now: Date.now,
    }),
    logger: createTestLogger(),
    clock: { now: () => new Date() },
  }),
};

type Reply = [number, string | Record<string, unknown>, Record<string, string>];

function toReply(
  reply: UpstreamReply,
  envelope: (records: unknown[]) => unknown,
  single: boolean,
): Reply {
  if (reply.kind === 'raw')
    return [reply.status, reply.body, { 'Content-Type': reply.contentType }];
  if (single && reply.records.length === 0) return [404, { error: 'not found' }, {}];
  return [
    200,
    envelope(single ? [reply.records[0]] : reply.records) as Record<string, unknown>,
    {},
  ];
}

// A REST/JSON system with its own field names and words.
const restRecord = (code: string) => ({
  so: code,
  tinhTrang: 'dang-xu-ly',
  nhan: '01/01/2025 08:00:00',
  ten: 'Nguyễn Văn A',
});
const restConfig = (lookup: Record<string, unknown>) => ({
  lookup,
  mapping: { code: 'so', status: 'tinhTrang', receivedAt: 'nhan', applicant: { name: 'ten' } },
  statuses: { map: { 'dang-xu-ly': 4 } },
  dates: { formats: ['dd/MM/yyyy HH:mm:ss'] },
});

const restBulk: ConformanceSubject = {
  name: 'rest-json (bulk)',
  kind: restJsonKind as never,
  baseUrl: 'http://tinh.upstream.test/api/v2',
  config: restConfig({
    bulk: { path: '/ho-so/tra-cuu', body: '{"danhSach": $codes}', records: 'ketQua', maxBatch: 20 },
  }),
  record: restRecord,
  brokenRecord: (code) => ({ so: code }),
  intercept(scope: nock.Scope, reply, delayMs) {
    scope
      .persist()
      .post('/api/v2/ho-so/tra-cuu')
      .delay(delayMs)
      .reply((_uri, body) =>
        toReply(
          reply((body as { danhSach: string[] }).danhSach),
          (records) => ({ ketQua: records }),
          false,
        ),
      );
  },
};

const restSingle: ConformanceSubject = {
  ...restBulk,
  name: 'rest-json (single lookups)',
  config: restConfig({ single: { path: '/ho-so/{code}', record: 'duLieu' }, concurrency: 2 }),
  intercept(scope, reply, delayMs) {
    scope
      .persist()
      .get(/^\/api\/v2\/ho-so\/[^/]+$/)
      .delay(delayMs)
      .reply((uri) =>
        toReply(
          reply([decodeURIComponent(uri.split('/').pop() as string)]),
          (records) => ({ duLieu: records[0] }),
          true,
        ),
      );
  },
};

// A system in the national sync format: every value a string, yyyyMMddHHmmss dates.
const nationalRecord = (code: string) => ({
  MaHoSo: code,
  TrangThaiHoSo: '4',
  NgayTiepNhan: '20250101080000',
  ChuHoSo: 'Nguyễn Văn A',
});

const nationalBulk: ConformanceSubject = {
  name: 'national-sync (bulk)',
  kind: nationalSyncKind as never,
  baseUrl: 'http://bo.upstream.test/dvcqg',
  config: { lookup: { bulk: { path: '/TraCuuHoSo', maxBatch: 50 } } },
  record: nationalRecord,
  brokenRecord: (code) => ({ MaHoSo: code, NgayTiepNhan: '20250101080000' }),
  intercept(scope, reply, delayMs) {
    scope
      .persist()
      .post('/dvcqg/TraCuuHoSo')
      .delay(delayMs)
      .reply((_uri, body) =>
        toReply(
          reply((body as { DanhSachMaHoSo: string[] }).DanhSachMaHoSo),
          (records) => ({ error_code: '0', data: records }),
          false,
        ),
      );
  },
};

const nationalSingle: ConformanceSubject = {
  ...nationalBulk,
  name: 'national-sync (single lookups)',
  config: { lookup: { single: { path: '/HoSo/{code}' } } },
  intercept(scope, reply, delayMs) {
    scope
      .persist()
      .get(/^\/dvcqg\/HoSo\/[^/]+$/)
      .delay(delayMs)
      .reply((uri) =>
        toReply(
          reply([decodeURIComponent(uri.split('/').pop() as string)]),
          (records) => ({ error_code: '0', data: records[0] }),
          true,
        ),
      );
  },
};

// A provincial system behind SOAP: request envelopes from templates, records parsed from XML.
const soapParser = new XMLParser({ removeNSPrefix: true, parseTagValue: false });
const xmlRecord = (record: unknown) => {
  const r = record as Record<string, string | undefined>;
  return `<HoSo>${r.MaHoSo === undefined ? '' : `<MaHoSo>${r.MaHoSo}</MaHoSo>`}${r.TrangThai === undefined ? '' : `<TrangThai>${r.TrangThai}</TrangThai>`}<NgayNhan>${r.NgayNhan}</NgayNhan></HoSo>`;
};
const soapEnvelope = (version: '1.1' | '1.2', body: string) =>
  `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${version === '1.1' ? 'http://schemas.xmlsoap.org/soap/envelope/' : 'http://www.w3.org/2003/05/soap-envelope'}"><s:Body>${body}</s:Body></s:Envelope>`;
const notFoundFault = (version: '1.1' | '1.2') =>
  version === '1.1'
    ? '<s:Fault><faultcode>s:Client</faultcode><faultstring>Không tìm thấy hồ sơ</faultstring><detail><MaLoi>HOSO_KHONG_TON_TAI</MaLoi></detail></s:Fault>'
    : '<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>t:HoSoKhongTonTai</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="vi">Không tìm thấy hồ sơ</s:Text></s:Reason></s:Fault>';

function soapSubject(version: '1.1' | '1.2', mode: 'bulk' | 'single'): ConformanceSubject {
  const lookup =
    mode === 'bulk'
      ? {
          bulk: {
            path: '/MotCua.asmx',
            action: 'http://motcua.tinh.test/TraCuuHoSo',
            body: '<TraCuuHoSo xmlns="http://motcua.tinh.test/">{{#codes}}<MaHoSo>{{.}}</MaHoSo>{{/codes}}</TraCuuHoSo>',
            records: 'TraCuuHoSoResponse.KetQua.HoSo',
            maxBatch: 20,
          },
        }
      : {
          single: {
            path: '/MotCua.asmx',
            action: 'http://motcua.tinh.test/LayHoSo',
            body: '<LayHoSo xmlns="http://motcua.tinh.test/"><MaHoSo>{{code}}</MaHoSo></LayHoSo>',
            record: 'LayHoSoResponse.HoSo',
          },
          concurrency: 2,
        };
  return {
    name: `soap ${version} (${mode})`,
    kind: soapKind as never,
    baseUrl: 'http://lgsp.tinh.test/ws',
    config: {
      soapVersion: version,
      lookup,
      faults: {
        notFoundCodes: ['HoSoKhongTonTai'],
        notFoundWhen: 'detail.MaLoi = "HOSO_KHONG_TON_TAI"',
      },
      mapping: { code: 'MaHoSo', status: 'TrangThai', receivedAt: 'NgayNhan' },
      statuses: { map: { '4': 4 } },
      dates: { formats: ['dd/MM/yyyy HH:mm:ss'] },
    },
    record: (code) => ({ MaHoSo: code, TrangThai: '4', NgayNhan: '01/01/2025 08:00:00' }),
    brokenRecord: (code) => ({ MaHoSo: code, NgayNhan: '01/01/2025 08:00:00' }),
    intercept(scope, reply, delayMs) {
      scope
        .persist()
        .post('/ws/MotCua.asmx')
        .delay(delayMs)
        .reply((_uri, body) => {
          const parsed = soapParser.parse(String(body)) as any;
          const request = parsed.Envelope.Body;
          const codes: string[] =
            mode === 'bulk' ? [request.TraCuuHoSo.MaHoSo].flat() : [request.LayHoSo.MaHoSo];
          const answer = reply(codes);
          if (answer.kind === 'raw')
            return [answer.status, answer.body, { 'Content-Type': answer.contentType }];
          const contentType = {
            'Content-Type':
              version === '1.1' ? 'text/xml; charset=utf-8' : 'application/soap+xml; charset=utf-8',
          };
          if (mode === 'single' && answer.records.length === 0)
            return [500, soapEnvelope(version, notFoundFault(version)), contentType];
          const xml = answer.records.map(xmlRecord).join('');
          return [
            200,
            soapEnvelope(
              version,
              mode === 'bulk'
                ? `<TraCuuHoSoResponse><KetQua>${xml}</KetQua></TraCuuHoSoResponse>`
                : `<LayHoSoResponse>${xml}</LayHoSoResponse>`,
            ),
            contentType,
          ];
        });
    },
  };
}

// A kind written as code (examples/kinds/two-step-rest): search by code for an id, then the record.
const twoStep: ConformanceSubject = {
  name: 'two-step-rest (example kind as code)',
  kind: twoStepRestKind as never,
  baseUrl: 'http://motcua.tinh.test/api',
  config: {
    searchPath: '/tim-kiem',
    searchParam: 'maHoSo',
    recordPath: '/ho-so/{id}',
    mapping: { code: 'so', status: 'tinhTrang', receivedAt: 'nhan' },
    statuses: { map: { 'dang-xu-ly': 4 } },
    dates: { formats: ['dd/MM/yyyy HH:mm:ss'] },
  },
  record: restRecord,
  brokenRecord: (code) => ({ so: code }),
  intercept(scope, reply, delayMs) {
    scope
      .persist()
      .get('/api/tim-kiem')
      .query(true)
      .delay(delayMs)
      .reply((uri) => {
        const code = new URL(uri, 'http://x').searchParams.get('maHoSo') as string;
        const answer = reply([code]);
        if (answer.kind === 'raw')
          return [answer.status, answer.body, { 'Content-Type': answer.contentType }];
        return answer.records.length === 0
          ? [404, { error: 'not found' }]
          : [200, { id: `id-${code}` }];
      });
    scope
      .persist()
      .get(/^\/api\/ho-so\/id-.+$/)
      .optionally() // not reached when the search call already failed
      .reply((uri) => {
        const code = decodeURIComponent(uri.split('/').pop() as string).slice(3);
        const answer = reply([code]);
        if (answer.kind === 'raw')
          return [answer.status, answer.body, { 'Content-Type': answer.contentType }];
        return [200, answer.records[0] as Record<string, unknown>];
      });
  },
};

for (const subject of [
  twoStep,
  restBulk,
  restSingle,
  nationalBulk,
  nationalSingle,
  soapSubject('1.1', 'bulk'),
  soapSubject('1.1', 'single'),
  soapSubject('1.2', 'bulk'),
  soapSubject('1.2', 'single'),
]) {
  defineConnectorConformanceSuite(subject, options);
}
