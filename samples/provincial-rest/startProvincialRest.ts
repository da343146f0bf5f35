import { DateTime } from 'luxon';
import { SampleDataset, VIETNAM } from '../generator/SampleDataset';
import { catalogueEntries, type SampleCatalogueEntry } from '../generator/catalogue';
import { PROVINCIAL_PROCEDURES } from '../generator/vocabulary';
import {
  applyFaults,
  emptyStats,
  handleControl,
  listen,
  noFaults,
  parseJson,
  sendJson,
  type RunningSample,
} from '../sampleHttp';
import { renderProvincial } from './renderProvincial';

/** How the system writes the instant of its changed-since listing, as it writes its dates. */
const SINCE_FORMAT = 'dd/MM/yyyy HH:mm:ss';

/** The most days (both ends included) the listing answers per call. */
export const MAX_LISTING_DAYS = 31;

export interface ProvincialRestOptions {
  port: number;
  host?: string;
  apiKey: string;
  size: number;
  seed: number;
  directoryFile: string;
  /** Most codes per bulk call; more are refused with 400. Default 50. */
  maxBulk: number;
}

export interface RunningProvincialRest extends RunningSample {
  dataset: SampleDataset;
}

/**
 * Sample system 1: Thanh Hóa's one-stop system as a REST/JSON service — OpenCPS-style status words,
 * `dd/MM/yyyy HH:mm:ss` dates, an API key in `X-Api-Key`, a bulk search endpoint.
 *
 *   GET  /api/v1/dossiers/{dossierNo}   → the record, or 404
 *   POST /api/v1/dossiers/_search       {"dossierNos": [...]} → {"total": n, "data": [...]}
 *   GET  /api/v1/dossiers?agency=&from=&to=&page=&size=   received in a date range (yyyy-MM-dd),
 *        at most 31 days: a longer one answers 200 {"error_code": "RANGE_TOO_LONG", "message": …}
 *   GET  /api/v1/dossiers/changes?since=dd/MM/yyyy HH:mm:ss&page=&size=   changed since then
 */
export async function startProvincialRest(
  options: ProvincialRestOptions,
): Promise<RunningProvincialRest> {
  const stats = emptyStats();
  const faults = noFaults();
  const base = { url: '' };
  const dataset = provincialDataset(options);
  const catalogue = provincialCatalogue();
  const push: RunningSample['push'] = { target: null };
  const record = (code: string) => {
    const dossier = dataset.get(code);
    return dossier === undefined
      ? undefined
      : renderProvincial(dossier, faults.brokenCodes.has(code));
  };

  const running = await listen(
    async (req, res, body) => {
      const url = new URL(req.url ?? '/', base.url || 'http://sample');
      // A change pushes the full record, as OpenCPS webhooks do.
      const control = {
        stats,
        faults,
        dataset,
        push,
        pushBody: (code: string) => ({ dossiers: [record(code)] }),
      };
      if (await handleControl(req, res, body, url.pathname, control)) return;
      if (req.headers['x-api-key'] !== options.apiKey) {
        stats.rejectedAuth += 1;
        return sendJson(res, 401, { error: 'UNAUTHORIZED', message: 'Sai hoặc thiếu X-Api-Key' });
      }
      if (await applyFaults(res, faults, stats)) return;
      if (req.method === 'GET' && url.pathname === '/api/v1/services') {
        stats.cataloguePages += 1;
        const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
        const size = Math.min(100, Math.max(1, Number(url.searchParams.get('size') ?? 20)));
        const data = catalogue.slice((page - 1) * size, page * size).map(renderService);
        return sendJson(res, 200, { total: catalogue.length, page, size, data });
      }
      // An agency's dossiers by date received, page by page (indicators and reports).
      if (req.method === 'GET' && url.pathname === '/api/v1/dossiers') {
        const agency = url.searchParams.get('agency') ?? '';
        const from = url.searchParams.get('from') ?? '';
        const to = url.searchParams.get('to') ?? '';
        if (!/^\d{4}-\d{2}-\d{2}$/.test(from) || !/^\d{4}-\d{2}-\d{2}$/.test(to) || agency === '')
          return sendJson(res, 400, {
            error: 'BAD_REQUEST',
            message: 'agency, from, to (yyyy-MM-dd) là bắt buộc',
          });
        // At most 31 days per call, both ends included; a longer range is refused inside HTTP 200
        // with an error object and no data, as the vendor's platform does (listing.maxDays).
        const days =
          DateTime.fromISO(to, { zone: VIETNAM }).diff(
            DateTime.fromISO(from, { zone: VIETNAM }),
            'days',
          ).days + 1;
        if (days > MAX_LISTING_DAYS)
          return sendJson(res, 200, {
            error_code: 'RANGE_TOO_LONG',
            message: `Khoảng thời gian tối đa ${MAX_LISTING_DAYS} ngày`,
          });
        const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
        const size = Math.min(500, Math.max(1, Number(url.searchParams.get('size') ?? 100)));
        stats.listPages += 1;
        const listed = faults.listingAnswersFor ?? agency;
        const { total, dossiers } = dataset.listReceived(listed, from, to, (page - 1) * size, size);
        return sendJson(res, 200, {
          total,
          page,
          size,
          data: dossiers.map((dossier) => renderProvincial(dossier, false)),
        });
      }
      // Every unit's dossiers that changed at or after an instant, page by page, in order of code
      // (the gateway's change feed: changes.modified).
      if (req.method === 'GET' && url.pathname === '/api/v1/dossiers/changes') {
        const since = DateTime.fromFormat(url.searchParams.get('since') ?? '', SINCE_FORMAT, {
          zone: VIETNAM,
        });
        if (!since.isValid)
          return sendJson(res, 400, {
            error: 'BAD_REQUEST',
            message: `since (${SINCE_FORMAT}) là bắt buộc`,
          });
        const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
        const size = Math.min(500, Math.max(1, Number(url.searchParams.get('size') ?? 100)));
        stats.changedSincePages += 1;
        const { total, dossiers } = dataset.listChangedSince(since, (page - 1) * size, size);
        return sendJson(res, 200, {
          total,
          page,
          size,
          data: dossiers.map((dossier) => renderProvincial(dossier, false)),
        });
      }
      const single = /^\/api\/v1\/dossiers\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && single !== null) {
        stats.singleCalls += 1;
        stats.codesRequested += 1;
        const found = record(decodeURIComponent(single[1] as string));
        if (found === undefined && faults.unknownAsError)
          return sendJson(res, 200, { status: 'ERROR', message: 'Hồ sơ không tồn tại' });
        return found === undefined
          ? sendJson(res, 404, { error: 'NOT_FOUND', message: 'Không tìm thấy hồ sơ' })
          : sendJson(res, 200, found);
      }
      if (req.method === 'POST' && url.pathname === '/api/v1/dossiers/_search') {
        const request = parseJson(body) as { dossierNos?: unknown } | undefined;
        const codes = request?.dossierNos;
        if (!Array.isArray(codes) || !codes.every((code) => typeof code === 'string')) {
          return sendJson(res, 400, {
            error: 'BAD_REQUEST',
            message: 'dossierNos phải là mảng mã hồ sơ',
          });
        }
        if (codes.length > options.maxBulk) {
          return sendJson(res, 400, {
            error: 'BAD_REQUEST',
            message: `Tối đa ${options.maxBulk} mã mỗi lần`,
          });
        }
        stats.bulkCalls += 1;
        stats.codesRequested += codes.length;
        const refused = codes.find((code) => faults.refusedCodes.has(code));
        if (refused !== undefined) {
          return sendJson(res, 400, {
            error: 'INVALID_DOSSIER_NO',
            message: `Mã hồ sơ không hợp lệ: ${refused}`,
          });
        }
        const data = codes
          .map(record)
          .filter((item) => item !== undefined)
          .slice(0, faults.bulkAnswersAtMost ?? undefined);
        return sendJson(res, 200, { total: data.length, data });
      }
      return sendJson(res, 404, { error: 'NOT_FOUND', message: `Không có ${url.pathname}` });
    },
    options.port,
    stats,
    faults,
    push,
    options.host,
  );
  base.url = running.url;
  return { ...running, dataset };
}

/** The system's dossiers, without its server (benchmarks and tests find codes in it). */
export function provincialDataset(options: {
  size: number;
  seed: number;
  directoryFile: string;
}): SampleDataset {
  return new SampleDataset({
    system: 'provincial',
    // Thanh Hóa's units, but for the land registration branch (H56.11, H56.12), which runs the
    // SOAP system of samples/land-soap.
    holds: (code) => code.endsWith('.H56') && !/\.1[12]\.H56$/.test(code),
    directoryFile: options.directoryFile,
    procedures: PROVINCIAL_PROCEDURES,
    size: options.size,
    seed: options.seed,
    places: [
      'phường Hạc Thành, tỉnh Thanh Hóa',
      'phường Đông Quang, tỉnh Thanh Hóa',
      'xã Quảng Xương, tỉnh Thanh Hóa',
      'phường Sầm Sơn, tỉnh Thanh Hóa',
    ],
    fileBaseUrl: 'https://motcua.thanhhoa.example/files',
  });
}

/**
 * The province publishes local variants of its procedures (`….000.00.00.H56`), the national
 * records of three of them (one, 1.004227, also listed by the land system), and one abolished
 * procedure.
 */
export function provincialCatalogue(): SampleCatalogueEntry[] {
  const province = { code: '000.00.00.H56', name: 'UBND tỉnh Thanh Hóa' };
  const local = catalogueEntries(PROVINCIAL_PROCEDURES, '.000.00.00.H56', province);
  const national = catalogueEntries(
    PROVINCIAL_PROCEDURES.filter((p) => ['1.001612', '1.000894', '1.004227'].includes(p.code)),
    '',
    province,
  );
  const abolished: SampleCatalogueEntry = {
    ...(local[1] as SampleCatalogueEntry),
    code: '2.000998.000.00.00.H56',
    name: 'Cấp bản sao trích lục hộ tịch (thủ tục cũ)',
    state: 'Bãi bỏ',
  };
  return [...local, ...national, abolished].sort((a, b) => (a.code < b.code ? -1 : 1));
}

const CHANNEL_WORDS = { 1: 'DIRECT', 2: 'ONLINE', 3: 'POSTAL' } as const;

function renderService(entry: SampleCatalogueEntry): Record<string, unknown> {
  return {
    serviceCode: entry.code,
    serviceName: entry.name,
    domainCode: entry.fieldCode,
    domainName: entry.fieldName,
    serviceLevel: entry.onlineLevel,
    govAgencies: entry.agencies.map((a) => ({ govAgencyCode: a.code, govAgencyName: a.name })),
    processes: entry.channels.map((c) => ({
      channel: CHANNEL_WORDS[c.channel],
      durationText: c.time,
      durationDays: c.days,
      fees: c.fees.map((f) => ({ feeName: f.name, feeAmount: f.amount })),
    })),
    templates: entry.documents.map((d) => ({
      fileName: d.name,
      formName: d.formName,
      formUrl: d.formUrl,
    })),
    legalDocs: entry.legalBases.map((l) => ({ docNo: l.number, docTitle: l.title })),
    publishStatus: entry.state,
  };
}
