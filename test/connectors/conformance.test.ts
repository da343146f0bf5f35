import type nock from 'nock';
import { nationalSyncKind } from '../../connectors/national-sync/nationalSyncKind';
import { restJsonKind } from '../../connectors/rest-json/restJsonKind';
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

for (const subject of [restBulk, restSingle, nationalBulk, nationalSingle]) {
  defineConnectorConformanceSuite(subject, options);
}
