import { randomBytes } from 'node:crypto';
import { SampleDataset } from '../generator/SampleDataset';
import { catalogueEntries, type SampleCatalogueEntry } from '../generator/catalogue';
import { MINISTRY_PROCEDURES } from '../generator/vocabulary';
import {
  applyFaults,
  handleControl,
  emptyStats,
  listen,
  noFaults,
  parseJson,
  sendJson,
  type RunningSample,
} from '../sampleHttp';
import { renderNational } from './renderNational';

export interface MinistryNationalOptions {
  port: number;
  host?: string;
  clientId: string;
  clientSecret: string;
  size: number;
  seed: number;
  directoryFile: string;
  /** Token lifetime. Default 300 s. */
  tokenTtlSeconds: number;
  /** Most codes per bulk call; more are refused. Default 100. */
  maxBulk: number;
}

export interface RunningMinistryNational extends RunningSample {
  dataset: SampleDataset;
  /** Makes every issued token expire after this many more API calls (a token expiring mid-batch). */
  expireTokensAfter(calls: number): void;
}

interface IssuedToken {
  expiresAt: number;
  usesLeft: number;
}

/**
 * Sample system 2: a ministry's system (Bộ Nội vụ) that speaks the portal's sync format, behind
 * OAuth 2.0 client credentials.
 *
 *   POST /oauth2/token               grant_type=client_credentials, client in HTTP basic auth
 *   GET  /api/dvcqg/HoSo/{MaHoSo}    → {"error_code":"0","data":{...}} or 404
 *   POST /api/dvcqg/TraCuuHoSo       {"DanhSachMaHoSo":[...]} → {"error_code":"0","data":[...]}
 */
export async function startMinistryNational(
  options: MinistryNationalOptions,
): Promise<RunningMinistryNational> {
  const stats = emptyStats();
  const faults = noFaults();
  const tokens = new Map<string, IssuedToken>();
  const dataset = ministryDataset(options);
  const push: RunningSample['push'] = { target: null };
  const record = (code: string) => {
    const dossier = dataset.get(code);
    return dossier === undefined
      ? undefined
      : renderNational(dossier, faults.brokenCodes.has(code));
  };
  const catalogue = catalogueEntries(MINISTRY_PROCEDURES, '', {
    code: '000.00.00.G09',
    name: 'Bộ Nội vụ',
  });
  const expectedClient = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`;

  const authorised = (header: string | undefined): boolean => {
    const value = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    const token = value === undefined ? undefined : tokens.get(value);
    if (token === undefined || token.expiresAt < Date.now() || token.usesLeft <= 0) return false;
    token.usesLeft -= 1;
    return true;
  };

  const running = await listen(
    async (req, res, body) => {
      const url = new URL(req.url ?? '/', 'http://sample');
      // A change pushes only the code, in the portal's sync vocabulary; the gateway looks it up.
      const control = {
        stats,
        faults,
        dataset,
        push,
        pushBody: (code: string) => ({ DanhSachMaHoSo: [code] }),
      };
      if (await handleControl(req, res, body, url.pathname, control)) return;
      if (req.method === 'POST' && url.pathname === '/oauth2/token') {
        stats.tokenRequests += 1;
        const form = new URLSearchParams(body);
        if (req.headers.authorization !== expectedClient) {
          stats.rejectedAuth += 1;
          return sendJson(res, 401, { error: 'invalid_client' });
        }
        if (form.get('grant_type') !== 'client_credentials') {
          return sendJson(res, 400, { error: 'unsupported_grant_type' });
        }
        const token = randomBytes(24).toString('base64url');
        tokens.set(token, {
          expiresAt: Date.now() + options.tokenTtlSeconds * 1000,
          usesLeft: Number.POSITIVE_INFINITY,
        });
        return sendJson(res, 200, {
          access_token: token,
          token_type: 'Bearer',
          expires_in: options.tokenTtlSeconds,
        });
      }
      if (!authorised(req.headers.authorization)) {
        stats.rejectedAuth += 1;
        return sendJson(res, 401, {
          error: 'invalid_token',
          error_description: 'Token hết hạn hoặc không hợp lệ',
        });
      }
      if (await applyFaults(res, faults, stats)) return;
      if (req.method === 'GET' && url.pathname === '/api/dvcqg/DanhMucTTHC') {
        stats.cataloguePages += 1;
        // An opaque cursor (the offset, base64) and a limit, as the national portal's APIs page.
        const cursor = url.searchParams.get('cursor');
        const offset =
          cursor === null ? 0 : Number(Buffer.from(cursor, 'base64url').toString('utf8'));
        const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? 20)));
        if (!Number.isInteger(offset) || offset < 0)
          return sendJson(res, 400, { error_code: '400', message: 'cursor không hợp lệ' });
        const data = catalogue.slice(offset, offset + limit).map(renderNationalProcedure);
        const next =
          offset + limit < catalogue.length
            ? Buffer.from(String(offset + limit)).toString('base64url')
            : null;
        return sendJson(res, 200, { error_code: '0', data, next_cursor: next });
      }
      const single = /^\/api\/dvcqg\/HoSo\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && single !== null) {
        stats.singleCalls += 1;
        stats.codesRequested += 1;
        const found = record(decodeURIComponent(single[1] as string));
        return found === undefined
          ? sendJson(res, 404, { error_code: '404', message: 'Không tìm thấy hồ sơ' })
          : sendJson(res, 200, { error_code: '0', message: 'Thành công', data: found });
      }
      // An agency's dossiers by date received, cursor-paged: {"MaDonVi","TuNgay","DenNgay"
      // (yyyyMMdd), "ConTro", "SoBanGhi"} → {"data": [...], "ConTroTiepTheo": "…" or ""}.
      if (req.method === 'POST' && url.pathname === '/api/dvcqg/DanhSachHoSo') {
        const ask = (parseJson(body) ?? {}) as Record<string, unknown>;
        const day = (value: unknown) =>
          typeof value === 'string' && /^\d{8}$/.test(value)
            ? `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`
            : null;
        const from = day(ask.TuNgay);
        const to = day(ask.DenNgay);
        if (from === null || to === null)
          return sendJson(res, 400, {
            error_code: '400',
            message: 'TuNgay, DenNgay phải là yyyyMMdd',
          });
        const offset = Math.max(0, Number(ask.ConTro ?? 0) || 0);
        const size = Math.min(200, Math.max(1, Number(ask.SoBanGhi ?? 50)));
        stats.listPages += 1;
        const { total, dossiers } = dataset.listReceived(
          String(ask.MaDonVi ?? ''),
          from,
          to,
          offset,
          size,
        );
        const next = offset + dossiers.length < total ? String(offset + dossiers.length) : '';
        return sendJson(res, 200, {
          error_code: '0',
          message: 'Thành công',
          data: dossiers.map((dossier) => renderNational(dossier, false)),
          ConTroTiepTheo: next,
        });
      }
      if (req.method === 'POST' && url.pathname === '/api/dvcqg/TraCuuHoSo') {
        const request = parseJson(body) as { DanhSachMaHoSo?: unknown } | undefined;
        const codes = request?.DanhSachMaHoSo;
        if (!Array.isArray(codes) || !codes.every((code) => typeof code === 'string')) {
          return sendJson(res, 400, { error_code: '400', message: 'DanhSachMaHoSo không hợp lệ' });
        }
        if (codes.length > options.maxBulk) {
          return sendJson(res, 400, {
            error_code: '400',
            message: `Tối đa ${options.maxBulk} mã hồ sơ`,
          });
        }
        stats.bulkCalls += 1;
        stats.codesRequested += codes.length;
        const data = codes.map(record).filter((item) => item !== undefined);
        return sendJson(res, 200, { error_code: '0', message: 'Thành công', data });
      }
      return sendJson(res, 404, { error_code: '404', message: `Không có ${url.pathname}` });
    },
    options.port,
    stats,
    faults,
    push,
    options.host,
  );
  return {
    ...running,
    dataset,
    expireTokensAfter: (calls) => {
      for (const token of tokens.values()) token.usesLeft = calls;
    },
  };
}

/** The system's dossiers, without its server (benchmarks and tests find codes in it). */
export function ministryDataset(options: {
  size: number;
  seed: number;
  directoryFile: string;
}): SampleDataset {
  return new SampleDataset({
    system: 'ministry',
    holds: (code) => code.endsWith('.G09') || code.endsWith('.G07'),
    // Cục Văn thư và Lưu trữ nhà nước's codes are the ministry system's own (`G09.22-20260609-…`).
    ownCodes: new Set(['000.00.22.G09']),
    directoryFile: options.directoryFile,
    procedures: MINISTRY_PROCEDURES,
    size: options.size,
    seed: options.seed + 1,
    places: [
      'phường Ba Đình, thành phố Hà Nội',
      'phường Sài Gòn, Thành phố Hồ Chí Minh',
      'phường Hải Châu, thành phố Đà Nẵng',
      'phường Hạc Thành, tỉnh Thanh Hóa',
    ],
    fileBaseUrl: 'https://dichvucong.moha.example/files',
  });
}

/** A catalogue record in the national format (upper-case names; values as strings). */
function renderNationalProcedure(entry: SampleCatalogueEntry): Record<string, unknown> {
  return {
    MATTHC: entry.code,
    TENTTHC: entry.name,
    MALINHVUC: entry.fieldCode,
    TENLINHVUC: entry.fieldName,
    MUCDO: entry.onlineLevel,
    COQUANTHUCHIEN: entry.agencies.map((a) => ({ MACOQUAN: a.code, TENCOQUAN: a.name })),
    CACHTHUCTHUCHIEN: entry.channels.map((c) => ({
      KENH: String(c.channel),
      THOIGIAN: c.time,
      SONGAY: String(c.days),
      // Amounts as published: "600.000 đồng", or the words for no fee.
      PHILEPHI: c.fees.map((f) => ({
        TENPHILEPHI: f.name,
        MUCPHI:
          typeof f.amount === 'number'
            ? `${String(f.amount).replace(/\B(?=(\d{3})+$)/g, '.')} đồng`
            : f.amount,
      })),
    })),
    THANHPHANHOSO: entry.documents.map((d) => ({
      TENGIAYTO: d.name,
      TENMAUDON: d.formName ?? '',
      URLMAUDON: d.formUrl ?? '',
    })),
    CANCUPHAPLY: entry.legalBases.map((l) => ({ SOVANBAN: l.number, TENVANBAN: l.title })),
    TRANGTHAI: entry.state,
  };
}
