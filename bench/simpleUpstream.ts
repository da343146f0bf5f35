import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderProvincial } from '../samples/provincial-rest/renderProvincial';
import { provincialDataset } from '../samples/provincial-rest/startProvincialRest';
import { DEFAULT_DIRECTORY_FILE } from '../samples/startSampleSystems';

/**
 * The distinct-code benchmark's upstream (bench/distinctCodes.ts, issue 23): the provincial REST
 * system reduced to what the bundled registration examples/registrations/thanh-hoa-motcua.yaml
 * calls, answering from records rendered once at start, so that it costs far less CPU per call
 * than the servers under test and the comparison is theirs.
 *
 * At start: BENCH_DISTINCT_CODES (60 000) real provincial records (the sample provincial system's
 * dataset, seed 2025, rendered as it renders them) kept as JSON text by code. BENCH_WARM_POOL
 * (2 000) of them, returned dossiers (cached a day by the gateway), are set aside for the warm
 * pool; the code lists go to a file whose path is printed:
 * `SIMPLE_UPSTREAM http://127.0.0.1:PORT CODES /tmp/…/codes.json` (`{"distinct": […], "warm": […]}`).
 *
 *   POST /api/v1/dossiers/_search  {"dossierNos": [...]} (at most 50) → {"total": n, "data": [records found]}
 *   GET  /api/v1/dossiers/{code}   → the record, or 404
 *   GET  /api/v1/services, /api/v1/dossiers/changes, /api/v1/dossiers → {"data": [], "total": 0}
 *        (the gateway's background catalogue, change and listing reads find nothing)
 *   GET  /__sample/stats           → {"bulkCalls", "singleCalls", "codesRequested"} (no key)
 *
 * Every API call needs `X-Api-Key: SIMPLE_UPSTREAM_API_KEY`, else 401, as the sample answers.
 * Answers are concatenated from the stored text: no JSON.stringify per call.
 */
const SIZE = Number(process.env.BENCH_DISTINCT_CODES ?? 60_000);
const WARM = Number(process.env.BENCH_WARM_POOL ?? 2_000);
const API_KEY = process.env.SIMPLE_UPSTREAM_API_KEY ?? '';
const MAX_BULK = 50;

const records = new Map<string, string>();
const distinct: string[] = [];
const warm: string[] = [];
const stats = { bulkCalls: 0, singleCalls: 0, codesRequested: 0 };

function render(): void {
  // A dataset larger than needed: its codes run in order of agency and day, so a size of exactly
  // SIZE would stop short of it after skipped codes.
  const dataset = provincialDataset({
    size: Math.ceil(SIZE * 1.2),
    seed: 2025,
    directoryFile: DEFAULT_DIRECTORY_FILE,
  });
  for (const code of dataset.codes()) {
    if (records.size >= SIZE) break;
    const dossier = dataset.get(code);
    if (dossier === undefined) continue;
    records.set(code, JSON.stringify(renderProvincial(dossier, false)));
    // Returned, not sent by post ("posting" is unmapped, cached a minute): kept a day.
    if (warm.length < WARM && dossier.status === 10 && dossier.channel !== 3) warm.push(code);
    else distinct.push(code);
  }
  if (records.size < SIZE) throw new Error(`the dataset gave ${records.size} of ${SIZE} records`);
  if (warm.length < WARM)
    throw new Error(`only ${warm.length} returned dossiers for the warm pool`);
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

const EMPTY_PAGE = '{"data":[],"total":0}';
const UNAUTHORIZED = JSON.stringify({ error: 'UNAUTHORIZED', message: 'Sai hoặc thiếu X-Api-Key' });
const NOT_FOUND = JSON.stringify({ error: 'NOT_FOUND', message: 'Không tìm thấy hồ sơ' });
const BAD_SEARCH = JSON.stringify({
  error: 'BAD_REQUEST',
  message: `dossierNos phải là mảng tối đa ${MAX_BULK} mã hồ sơ`,
});
const SINGLE = /^\/api\/v1\/dossiers\/([^/?]+)(\?|$)/;

function search(res: ServerResponse, body: string): void {
  let codes: unknown;
  try {
    codes = (JSON.parse(body) as { dossierNos?: unknown }).dossierNos;
  } catch {
    codes = undefined;
  }
  if (
    !Array.isArray(codes) ||
    codes.length > MAX_BULK ||
    !codes.every((code) => typeof code === 'string')
  )
    return send(res, 400, BAD_SEARCH);
  stats.bulkCalls += 1;
  stats.codesRequested += codes.length;
  let data = '';
  let total = 0;
  for (const code of codes as string[]) {
    const record = records.get(code);
    if (record === undefined) continue;
    data += total === 0 ? record : `,${record}`;
    total += 1;
  }
  send(res, 200, `{"total":${total},"data":[${data}]}`);
}

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  const path = req.url ?? '/';
  if (path.startsWith('/__sample/stats')) return send(res, 200, JSON.stringify(stats));
  if (req.headers['x-api-key'] !== API_KEY) return send(res, 401, UNAUTHORIZED);
  if (req.method === 'POST' && path === '/api/v1/dossiers/_search') return search(res, body);
  if (req.method !== 'GET') return send(res, 404, NOT_FOUND);
  if (
    path.startsWith('/api/v1/services') ||
    path.startsWith('/api/v1/dossiers/changes') ||
    /^\/api\/v1\/dossiers(\?|$)/.test(path)
  )
    return send(res, 200, EMPTY_PAGE);
  const single = SINGLE.exec(path);
  if (single === null) return send(res, 404, NOT_FOUND);
  stats.singleCalls += 1;
  stats.codesRequested += 1;
  const record = records.get(decodeURIComponent(single[1] as string));
  return record === undefined ? send(res, 404, NOT_FOUND) : send(res, 200, record);
}

async function main(): Promise<void> {
  render();
  const file = join(mkdtempSync(join(tmpdir(), 'bench-distinct-')), 'codes.json');
  writeFileSync(file, JSON.stringify({ distinct, warm }));
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handle(req, res, body));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`SIMPLE_UPSTREAM http://127.0.0.1:${port} CODES ${file}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`simple upstream failed: ${(error as Error).message}\n`);
  process.exit(1);
});
