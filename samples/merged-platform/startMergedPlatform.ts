import type { ServerResponse } from 'node:http';
import { DateTime } from 'luxon';
import { SampleDataset, VIETNAM, type SampleDossier } from '../generator/SampleDataset';
import { catalogueEntries, type SampleCatalogueEntry } from '../generator/catalogue';
import { MINISTRY_PROCEDURES, PROVINCIAL_PROCEDURES } from '../generator/vocabulary';
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
import {
  mergedView,
  procedureTypeOf,
  renderMerged,
  renderMergedService,
  type MergedDossier,
  type ProcedureType,
} from './renderMerged';

/** The most codes a bulk lookup takes; more answer TOO_MANY_CODES. */
export const MERGED_MAX_BULK = 20;
/** The most days (both ends included) a listing answers per call; more answer RANGE_TOO_LONG. */
export const MERGED_MAX_LISTING_DAYS = 31;
/** How the listing takes its days. */
const DAY_FORMAT = 'dd/MM/yyyy';

/** The platform's procedures: the provincial ones, and two labour procedures of enterprises. */
export const MERGED_PROCEDURES = [
  ...PROVINCIAL_PROCEDURES,
  ...MINISTRY_PROCEDURES.filter((p) => ['1.000459', '2.000201'].includes(p.code)),
];

export interface MergedPlatformOptions {
  port: number;
  host?: string;
  /** Wanted in the query string, `api_key`. */
  apiKey: string;
  /** Wanted in the `X-Client-Id` header. */
  clientId: string;
  size: number;
  seed: number;
  directoryFile: string;
}

export interface RunningMergedPlatform extends RunningSample {
  dataset: SampleDataset;
  /** The platform's own truth for a code (any case), or undefined when it holds no such dossier. */
  truth(code: string): MergedDossier | undefined;
  /**
   * `count` codes, as stored, that together show every quirk (for a test comparing sampled
   * dossiers with the gateway's answers): see `QUIRK_SAMPLES`.
   */
  sampleCodes(count: number): string[];
}

/**
 * What a sample of the platform's dossiers should hold, a share each: migrated (lower-case) and
 * not, VNI and Unicode names, status 3 and 9 under both procedure types, both tax-code lengths,
 * a supplement's date-only deadlines.
 */
export const QUIRK_SAMPLES: ReadonlyArray<{
  name: string;
  holds: (view: MergedDossier) => boolean;
}> = [
  { name: 'migrated, VNI', holds: (v) => v.font === 'VNI' },
  {
    name: 'migrated, Unicode',
    holds: (v) => v.font === 'UNICODE' && v.storedCode !== v.dossier.code,
  },
  { name: 'THUPHI, status 3', holds: (v) => v.procedureType === 'THUPHI' && v.statusCode === '3' },
  { name: 'THUPHI, status 9', holds: (v) => v.procedureType === 'THUPHI' && v.statusCode === '9' },
  { name: 'THUONG, status 3', holds: (v) => v.procedureType === 'THUONG' && v.statusCode === '3' },
  { name: 'THUONG, status 9', holds: (v) => v.procedureType === 'THUONG' && v.statusCode === '9' },
  {
    name: '10-digit tax code',
    holds: (v) => v.idKind === 'MST' && v.dossier.applicant.idNumber.length === 10,
  },
  {
    name: '13-digit tax code',
    holds: (v) => v.idKind === 'MST' && v.dossier.applicant.idNumber.length === 13,
  },
  { name: 'supplements', holds: (v) => v.dossier.supplements.length > 0 },
  { name: 'merged province', holds: (v) => v.storedCode === v.dossier.code },
];

/** Codes showing every quirk, `count` in all (fewer when the platform holds fewer). */
function sampleCodesOf(dataset: SampleDataset, count: number): string[] {
  const quota = Math.ceil(count / QUIRK_SAMPLES.length);
  const taken = QUIRK_SAMPLES.map(() => 0);
  const codes: string[] = [];
  const rest: string[] = [];
  for (const code of dataset.codes()) {
    if (codes.length >= count) break;
    const view = mergedView(dataset.get(code) as SampleDossier);
    const quirk = QUIRK_SAMPLES.findIndex(
      (q, index) => (taken[index] as number) < quota && q.holds(view),
    );
    if (quirk === -1) {
      if (rest.length < count) rest.push(view.storedCode);
      continue;
    }
    taken[quirk] = (taken[quirk] as number) + 1;
    codes.push(view.storedCode);
  }
  return [...codes, ...rest].slice(0, count);
}

/** Error codes the platform answers inside HTTP 200, with its own (Vietnamese) message. */
type ErrorCode = 'AUTH_INVALID' | 'NOT_FOUND' | 'TOO_MANY_CODES' | 'RANGE_TOO_LONG' | 'BAD_REQUEST';

function sendError(res: ServerResponse, code: ErrorCode, message: string): void {
  sendJson(res, 200, { status: 'ERROR', error_code: code, error_message: message });
}

/** Every answer that carries data: `data` is a JSON document written as a string. */
function sendData(res: ServerResponse, data: unknown): void {
  sendJson(res, 200, { status: 'OK', data: JSON.stringify(data) });
}

/**
 * Sample system 5: the one-stop platform of Tuyên Quang after the 2025 merger, which absorbed Hà
 * Giang and migrated its dossiers (H60 and H47 are illustrative codes). Every quirk of issue 22:
 *
 * - an API key in the query string (`api_key`) AND a client id header (`X-Client-Id`);
 * - errors inside HTTP 200: `{"status": "ERROR", "error_code": …, "error_message": "…"}` with
 *   AUTH_INVALID, NOT_FOUND (one unknown code), TOO_MANY_CODES (over 20), RANGE_TOO_LONG (a
 *   listing over 31 days), BAD_REQUEST (malformed input);
 * - answers `{"status": "OK", "data": "<JSON text>"}`;
 * - migrated dossiers (of the absorbed province's units) stored and answered with lower-case codes
 *   (`000.00.08.h47-250312-0007`); lookups and listings accept any case;
 * - `TrangThai` "3" means waiting for payment (6) when `LoaiThuTuc` is THUPHI, waiting for a
 *   supplement (5) otherwise ("9" the other way round);
 * - names and summaries in VNI-Windows (as Windows-1252 shows them) exactly when `FontChu` is "VNI";
 * - the due date `NgayHenTra` (and a supplement's deadlines) as dd/MM/yyyy, other dates with time;
 * - enterprises identified by a 10- or 13-digit tax code (`LoaiGiayTo: "MST"`); a procedure
 *   catalogue with one time and fee list, not one per channel.
 *
 *   POST /api/hoso/tracuu            {"DanhSachMaHoSo": [...]} → data: "[records]" (unknown left out)
 *   GET  /api/hoso/{code}            → data: "{record}", or NOT_FOUND
 *   GET  /api/danhsachhoso?MaDonVi=&TuNgay=&DenNgay=&Trang=&SoBanGhi=   received in a date range
 *        (dd/MM/yyyy, both included) → data: "{\"TongSo\": n, \"DanhSach\": [records]}"
 *   GET  /api/thutuc?Trang=&SoBanGhi=  → data: "{\"TongSo\": n, \"DanhSach\": [procedures]}"
 *   GET  /__sample/truth/{code}      the platform's own record of a dossier (tests), no auth
 */
export async function startMergedPlatform(
  options: MergedPlatformOptions,
): Promise<RunningMergedPlatform> {
  const stats = emptyStats();
  const faults = noFaults();
  const base = { url: '' };
  const dataset = mergedDataset(options);
  const catalogue = mergedCatalogue();
  const push: RunningSample['push'] = { target: null };
  // Codes are matched whatever their case: the dataset's are upper case.
  const truth = (code: string): MergedDossier | undefined => {
    const generated = dataset.get(code.toUpperCase());
    return generated === undefined ? undefined : mergedView(generated);
  };
  const record = (code: string) => {
    const view = truth(code);
    if (view === undefined) return undefined;
    const rendered = renderMerged(view);
    if (faults.brokenCodes.has(view.dossier.code)) {
      delete rendered.TrangThai;
      rendered.NgayTiepNhan = '31/02/2025 25:61:00';
    }
    return rendered;
  };

  const running = await listen(
    async (req, res, body) => {
      const url = new URL(req.url ?? '/', base.url || 'http://sample');
      const control = { stats, faults, dataset, push, pushBody: null };
      const truthRoute = /^\/__sample\/truth\/([^/]+)$/.exec(url.pathname);
      if (truthRoute !== null) {
        const view = truth(decodeURIComponent(truthRoute[1] as string));
        return view === undefined
          ? sendJson(res, 404, { error: 'no such dossier in this system' })
          : sendJson(res, 200, { ...view, record: renderMerged(view) });
      }
      // A status change (POST /__sample/dossiers/{code}/status) takes the code in any case too.
      const controlPath = url.pathname.replace(
        /^(\/__sample\/dossiers\/)([^/]+)(\/status)$/,
        (_, before: string, code: string, after: string) => before + code.toUpperCase() + after,
      );
      if (await handleControl(req, res, body, controlPath, control)) return;
      if (
        url.searchParams.get('api_key') !== options.apiKey ||
        req.headers['x-client-id'] !== options.clientId
      ) {
        stats.rejectedAuth += 1;
        return sendError(
          res,
          'AUTH_INVALID',
          'Khóa truy cập (api_key) hoặc mã ứng dụng (X-Client-Id) không hợp lệ',
        );
      }
      if (await applyFaults(res, faults, stats)) return;

      if (req.method === 'POST' && url.pathname === '/api/hoso/tracuu') {
        const codes = (parseJson(body) as { DanhSachMaHoSo?: unknown } | undefined)?.DanhSachMaHoSo;
        if (!Array.isArray(codes) || !codes.every((code) => typeof code === 'string'))
          return sendError(res, 'BAD_REQUEST', 'DanhSachMaHoSo phải là danh sách mã hồ sơ');
        if (codes.length > MERGED_MAX_BULK)
          return sendError(
            res,
            'TOO_MANY_CODES',
            `Mỗi lần tra cứu tối đa ${MERGED_MAX_BULK} mã hồ sơ`,
          );
        stats.bulkCalls += 1;
        stats.codesRequested += codes.length;
        return sendData(
          res,
          codes.map(record).filter((item) => item !== undefined),
        );
      }

      if (req.method === 'GET' && url.pathname === '/api/danhsachhoso') {
        const agency = (url.searchParams.get('MaDonVi') ?? '').toUpperCase();
        const from = DateTime.fromFormat(url.searchParams.get('TuNgay') ?? '', DAY_FORMAT, {
          zone: VIETNAM,
        });
        const to = DateTime.fromFormat(url.searchParams.get('DenNgay') ?? '', DAY_FORMAT, {
          zone: VIETNAM,
        });
        const page = wholeNumber(url.searchParams.get('Trang'), 1);
        const size = wholeNumber(url.searchParams.get('SoBanGhi'), 100);
        if (agency === '' || !from.isValid || !to.isValid || to < from)
          return sendError(
            res,
            'BAD_REQUEST',
            `MaDonVi, TuNgay và DenNgay (${DAY_FORMAT}, TuNgay không sau DenNgay) là bắt buộc`,
          );
        if (page === null || page < 1 || size === null || size < 1 || size > 500)
          return sendError(res, 'BAD_REQUEST', 'Trang (từ 1) và SoBanGhi (1–500) không hợp lệ');
        if (to.diff(from, 'days').days + 1 > MERGED_MAX_LISTING_DAYS)
          return sendError(
            res,
            'RANGE_TOO_LONG',
            `Khoảng thời gian tra cứu tối đa ${MERGED_MAX_LISTING_DAYS} ngày`,
          );
        stats.listPages += 1;
        const { total, dossiers } = dataset.listReceived(
          agency,
          from.toISODate() as string,
          to.toISODate() as string,
          (page - 1) * size,
          size,
        );
        return sendData(res, {
          TongSo: total,
          DanhSach: dossiers.map((dossier) => renderMerged(mergedView(dossier))),
        });
      }

      if (req.method === 'GET' && url.pathname === '/api/thutuc') {
        const page = wholeNumber(url.searchParams.get('Trang'), 1);
        const size = wholeNumber(url.searchParams.get('SoBanGhi'), 20);
        if (page === null || page < 1 || size === null || size < 1 || size > 100)
          return sendError(res, 'BAD_REQUEST', 'Trang (từ 1) và SoBanGhi (1–100) không hợp lệ');
        stats.cataloguePages += 1;
        return sendData(res, {
          TongSo: catalogue.length,
          DanhSach: catalogue
            .slice((page - 1) * size, page * size)
            .map(({ entry, type }) => renderMergedService(entry, type)),
        });
      }

      const single = /^\/api\/hoso\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && single !== null) {
        stats.singleCalls += 1;
        stats.codesRequested += 1;
        const found = record(decodeURIComponent(single[1] as string));
        return found === undefined
          ? sendError(res, 'NOT_FOUND', 'Không tìm thấy hồ sơ')
          : sendData(res, found);
      }
      return sendJson(res, 404, {
        status: 'ERROR',
        error_code: 'NOT_FOUND',
        error_message: `Không có ${url.pathname}`,
      });
    },
    options.port,
    stats,
    faults,
    push,
    options.host,
  );
  base.url = running.url;
  return {
    ...running,
    dataset,
    truth,
    sampleCodes: (count) => sampleCodesOf(dataset, count),
  };
}

/** A whole number from the query, `fallback` when absent, null when it is not one. */
function wholeNumber(value: string | null, fallback: number): number | null {
  if (value === null || value === '') return fallback;
  return /^\d{1,6}$/.test(value) ? Number(value) : null;
}

/** The platform's dossiers, without its server (tests find codes in it). */
export function mergedDataset(options: {
  size: number;
  seed: number;
  directoryFile: string;
}): SampleDataset {
  return new SampleDataset({
    // Tuyên Quang's units, and Hà Giang's until it closed (their dossiers migrated in).
    holds: (code) => code.endsWith('.H60') || code.endsWith('.H47'),
    directoryFile: options.directoryFile,
    procedures: MERGED_PROCEDURES,
    size: options.size,
    seed: options.seed,
    places: [
      'phường Minh Xuân, tỉnh Tuyên Quang',
      'xã Vị Xuyên, tỉnh Tuyên Quang',
      'phường Hà Giang 1, tỉnh Tuyên Quang',
      'xã Yên Sơn, tỉnh Tuyên Quang',
    ],
    fileBaseUrl: 'https://motcua.tuyenquang.example/files',
  });
}

/** The merged province's procedures (local variants), each with its type (`LoaiThuTuc`). */
export function mergedCatalogue(): Array<{ entry: SampleCatalogueEntry; type: ProcedureType }> {
  const province = { code: '000.00.00.H60', name: 'UBND tỉnh Tuyên Quang' };
  return catalogueEntries(MERGED_PROCEDURES, '.000.00.00.H60', province).map((entry, index) => ({
    entry,
    type: procedureTypeOf((MERGED_PROCEDURES[index] as { fee: number }).fee),
  }));
}
