import { createHmac } from 'node:crypto';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_KINDS } from '../../connectors/builtinKinds';
import { readConfig } from '../../src/config/readConfig';
import { startGateway, type RunningGateway } from '../../src/startGateway';
import { PROJECT_ROOT } from '../support/testGateway';
import { createTestLogger } from '../support/testLogger';

/**
 * Issue 22 item 4: a merged province's platform stores the absorbed province's migrated dossiers
 * with lower-case codes and finds them in any case. A real HTTP system (below) stores them so and
 * counts its calls; a second system, registered without `coverage.codes`, matches letter for letter.
 */
const STORED = '000.00.08.h60-250312-0007';
const UPPER = '000.00.08.H60-250312-0007';
const MIGRATED = '000.00.08.h47-250310-0002';
const STRICT = '000.00.01.H56-250312-0001';

/** As in data/agencies.sample.yaml (illustrative codes): Hà Giang (H47) closed into Tuyên Quang (H60). */
const DIRECTORY = `agencies:
  - { code: 000.00.00.H60, name: UBND tỉnh Tuyên Quang, level: 1 }
  - { code: 000.00.08.H60, name: Sở Tư pháp tỉnh Tuyên Quang, level: 2, parent: 000.00.00.H60 }
  - code: 000.00.00.H47
    name: UBND tỉnh Hà Giang
    level: 1
    validTo: 2025-06-30
    successors: [{ code: 000.00.00.H60, from: 2025-07-01 }]
  - code: 000.00.08.H47
    name: Sở Tư pháp tỉnh Hà Giang
    level: 2
    parent: 000.00.00.H47
    validTo: 2025-06-30
    successors: [{ code: 000.00.08.H60, from: 2025-07-01 }]
  - { code: 000.00.00.H56, name: UBND tỉnh Thanh Hóa, level: 1 }
  - { code: 000.00.01.H56, name: Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa, level: 2, parent: 000.00.00.H56 }
`;

const PUSH_SECRET = 'bi-mat-day-trang-thai-tuyen-quang';

const registration = (id: string, base: string, units: string, extra: string) => `id: ${id}
kind: rest-json
name: Hệ thống ${id}
coverage: { units: [${units}]${extra === '' ? '' : ', codes: { caseInsensitive: true }'} }
upstream: { baseUrl: '${base}' }
${extra}
config:
  lookup:
    bulk: { method: POST, path: /tracuu, body: '{"codes": $codes}', records: data, maxBatch: 20 }
  mapping: { code: MaHoSo, status: TrangThai, receivedAt: NgayNhan }
  statuses: { map: { DANG_XU_LY: 4, CHO_BO_SUNG: 5 } }
`;

interface System {
  /** The codes of each bulk call, as sent. */
  calls: string[][];
}

describe('Codes in another case (coverage.codes.caseInsensitive)', () => {
  let folder: string;
  let upstream: Server;
  let gateway: RunningGateway;
  const merged: System = { calls: [] };
  const strict: System = { calls: [] };

  const query = async <T>(
    text: string,
    variables: Record<string, unknown>,
    role: 'portal' | 'admin' = 'portal',
  ): Promise<T> => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': gateway.demoKeys?.[role] as string,
      },
      body: JSON.stringify({ query: text, variables }),
    });
    const body = (await response.json()) as T;
    if ((body as { data?: unknown }).data === undefined) throw new Error(JSON.stringify(body));
    return body;
  };

  beforeAll(async () => {
    const records = {
      // Stored in lower case by the migration; found in any case.
      merged: [STORED, MIGRATED],
      // Stored and matched letter for letter.
      strict: [STRICT],
    };
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const which =
          req.url === '/merged/tracuu' ? 'merged' : req.url === '/strict/tracuu' ? 'strict' : null;
        res.setHeader('Content-Type', 'application/json');
        if (which === null || req.method !== 'POST') {
          res.statusCode = 404;
          return void res.end('{}');
        }
        const asked = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { codes: string[] })
          .codes;
        (which === 'merged' ? merged : strict).calls.push(asked);
        const same = (a: string, b: string) =>
          which === 'merged' ? a.toLowerCase() === b.toLowerCase() : a === b;
        const data = records[which]
          .filter((code) => asked.some((one) => same(one, code)))
          .map((code) => ({
            MaHoSo: code,
            TrangThai: 'DANG_XU_LY',
            NgayNhan: '2025-03-12 08:00:00',
          }));
        res.end(JSON.stringify({ data }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    folder = await mkdtemp(join(tmpdir(), 'codecase-'));
    await writeFile(join(folder, 'agencies.yaml'), DIRECTORY);
    const regs = join(folder, 'registrations');
    await mkdir(regs);
    await writeFile(
      join(regs, 'merged.yaml'),
      registration(
        'tuyen-quang-hop-nhat',
        `${base}/merged`,
        'H60',
        `push: { secret: ${PUSH_SECRET}, records: dossiers }`,
      ),
    );
    await writeFile(
      join(regs, 'strict.yaml'),
      registration('thanh-hoa-chinh-xac', `${base}/strict`, 'H56', ''),
    );
    const config = readConfig(
      {
        PORT: '0',
        LOG_LEVEL: 'silent',
        REGISTRATIONS_DIR: regs,
        AGENCY_DIRECTORY: join(folder, 'agencies.yaml'),
        AUDIT_DIR: join(folder, 'audit'),
        REGISTRY_DIR: join(folder, 'registry'),
        CATALOGUE_STARTUP_WAIT_MS: '0',
        CHANGE_POLLS: 'false',
      },
      PROJECT_ROOT,
    );
    gateway = await startGateway(config, {
      logger: createTestLogger(),
      kinds: BUILTIN_KINDS,
      variables: {},
    });
  });

  afterAll(async () => {
    await gateway?.close();
    if (upstream?.listening) await new Promise((resolve) => upstream.close(resolve));
    await rm(folder, { recursive: true, force: true });
  });

  const LOOKUP = `query ($codes: [String!]!) { dossiers(codes: $codes) {
    code dossier { code codeAsked codeCaseDiffers agency { code } status { value } source { connector cached routedVia } }
    error { code message } } }`;

  it('finds a dossier stored in lower case by any case of its code, with one upstream call and one cache entry', async () => {
    merged.calls.length = 0;
    const first = await query<{ data: { dossiers: unknown[] } }>(LOOKUP, {
      codes: [STORED, UPPER],
    });
    const item = (code: string, differs: boolean) => ({
      code,
      dossier: {
        code: STORED,
        codeAsked: code,
        codeCaseDiffers: differs,
        agency: { code: '000.00.08.H60' },
        status: { value: 'PROCESSING' },
        source: { connector: 'tuyen-quang-hop-nhat', cached: false, routedVia: [] },
      },
      error: null,
    });
    expect(first.data.dossiers).toEqual([item(STORED, false), item(UPPER, true)]);
    // One dossier, one code sent: the key (upper case), which the system finds in any case.
    expect(merged.calls).toEqual([[UPPER]]);

    // The cache holds one entry, under the key; another case of the code is answered from it.
    const [byKey, byStored] = await gateway.cache.getMany([UPPER, STORED]);
    expect(byKey).toMatchObject({ kind: 'found', code: UPPER, dossier: { code: STORED } });
    expect(byStored).toBeUndefined();
    const again = await query<{
      data: { dossiers: Array<{ dossier: { source: { cached: boolean } } }> };
    }>(LOOKUP, { codes: [UPPER] });
    expect(again.data.dossiers[0]?.dossier.source.cached).toBe(true);
    expect(merged.calls).toHaveLength(1);
  });

  it("routes a migrated dossier of the absorbed province's closed agency through its successor", async () => {
    const answer = await query<{ data: { dossiers: unknown[] } }>(LOOKUP, { codes: [MIGRATED] });
    expect(answer.data.dossiers).toEqual([
      {
        code: MIGRATED,
        dossier: {
          code: MIGRATED,
          codeAsked: MIGRATED,
          codeCaseDiffers: false,
          agency: { code: '000.00.08.H47' },
          status: { value: 'PROCESSING' },
          source: {
            connector: 'tuyen-quang-hop-nhat',
            cached: false,
            routedVia: ['000.00.08.H60'],
          },
        },
        error: null,
      },
    ]);
    expect(merged.calls.at(-1)).toEqual([MIGRATED.toUpperCase()]);
  });

  it('a registration without the flag still refuses a lower-case code, and matches letter for letter', async () => {
    strict.calls.length = 0;
    const lower = STRICT.replace('H56', 'h56');
    const answer = await query<{
      data: { dossiers: Array<{ code: string; dossier: unknown; error: unknown }> };
    }>(LOOKUP, { codes: [lower, STRICT] });
    expect(answer.data.dossiers[0]).toEqual({
      code: lower,
      dossier: null,
      error: {
        code: 'BAD_USER_INPUT',
        message: `"${lower}" is not a dossier code (agency codes are upper case (H56, not h56)): expected {agency code}-{yyMMdd}-{NNNN}, e.g. 000.00.06.H56-231027-0361`,
      },
    });
    expect(answer.data.dossiers[1]).toMatchObject({
      code: STRICT,
      dossier: { code: STRICT, codeAsked: STRICT, codeCaseDiffers: false },
      error: null,
    });
    expect(strict.calls).toEqual([[STRICT]]);
  });

  /**
   * Pushes a status of the stored dossier, signed as the system would; each push its own body (a
   * sequence number), so that two pushes within one second are not taken for a replay.
   */
  let pushes = 0;
  const push = async (status: string) => {
    pushes += 1;
    const body = JSON.stringify({
      dossiers: [{ MaHoSo: STORED, TrangThai: status, NgayNhan: '2025-03-12 08:00:00' }],
      sequence: pushes,
    });
    const t = Math.floor(Date.now() / 1000);
    const signature = `t=${t},v1=${createHmac('sha256', PUSH_SECRET).update(`${t}.${body}`).digest('hex')}`;
    const pushed = await fetch(`${gateway.url}/hooks/tuyen-quang-hop-nhat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': signature },
      body,
    });
    return { status: pushed.status, body: (await pushed.json()) as unknown };
  };

  it('a push of the stored code updates the one entry and the one known state of the dossier', async () => {
    const calls = merged.calls.length;
    expect(await push('CHO_BO_SUNG')).toEqual({
      status: 202,
      body: { accepted: 1, ignored: 0 },
    });
    const [byKey, byStored] = await gateway.cache.getMany([UPPER, STORED]);
    expect(byKey).toMatchObject({ code: UPPER, dossier: { code: STORED, status: { code: 5 } } });
    expect(byStored).toBeUndefined();
    const states = await gateway.changes.tracker.states.cores('tuyen-quang-hop-nhat', [
      UPPER,
      STORED,
    ]);
    expect(states[0]).not.toBeNull();
    expect(states[1]).toBeNull();
    const answer = await query<{
      data: {
        dossiers: Array<{ dossier: { status: { value: string }; source: { cached: boolean } } }>;
      };
    }>(LOOKUP, { codes: [UPPER, STORED] });
    expect(
      answer.data.dossiers.map((item) => [item.dossier.status.value, item.dossier.source.cached]),
    ).toEqual([
      ['SUPPLEMENT_REQUESTED', true],
      ['SUPPLEMENT_REQUESTED', true],
    ]);
    expect(merged.calls).toHaveLength(calls);
  });

  it('a subscription to any case of the code hears the change, answered under the code it asked', async () => {
    const client = createClient({
      url: gateway.url.replace(/^http/, 'ws') + '/graphql',
      connectionParams: { apiKey: gateway.demoKeys?.portal as string },
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
    });
    const heard = new Map<string, Array<Record<string, unknown>>>([
      [UPPER, []],
      [STORED, []],
    ]);
    const failures: unknown[] = [];
    try {
      for (const code of heard.keys()) {
        client.subscribe(
          {
            query: `subscription ($codes: [String!]!) { dossierStatusChanged(codes: $codes) {
              code dossier { code codeAsked codeCaseDiffers status { value } } error { code } } }`,
            variables: { codes: [code] },
          },
          {
            next: (result) =>
              heard.get(code)?.push(result.data?.dossierStatusChanged as Record<string, unknown>),
            error: (error) => failures.push(error),
            complete: () => undefined,
          },
        );
      }
      // The subscriptions are live some time after they are sent: push changes until both hear one.
      const deadline = Date.now() + 15_000;
      let status = 'DANG_XU_LY';
      while ([...heard.values()].some((events) => events.length === 0) && Date.now() < deadline) {
        expect((await push(status)).status).toBe(202);
        status = status === 'DANG_XU_LY' ? 'CHO_BO_SUNG' : 'DANG_XU_LY';
        const until = Date.now() + 500;
        while ([...heard.values()].some((events) => events.length === 0) && Date.now() < until)
          await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(failures).toEqual([]);
      expect(heard.get(UPPER)?.[0]).toMatchObject({
        code: UPPER,
        dossier: { code: STORED, codeAsked: UPPER, codeCaseDiffers: true },
        error: null,
      });
      expect(heard.get(STORED)?.[0]).toMatchObject({
        code: STORED,
        dossier: { code: STORED, codeAsked: STORED, codeCaseDiffers: false },
        error: null,
      });
    } finally {
      await client.dispose();
    }
  });

  it('the registry shows which registration reads its codes in any case', async () => {
    const answer = await query<{ data: { connectors: unknown[] } }>(
      '{ connectors { id coverage { units codesCaseInsensitive } } }',
      {},
      'admin',
    );
    expect(answer.data.connectors).toEqual(
      expect.arrayContaining([
        { id: 'tuyen-quang-hop-nhat', coverage: { units: ['H60'], codesCaseInsensitive: true } },
        { id: 'thanh-hoa-chinh-xac', coverage: { units: ['H56'], codesCaseInsensitive: false } },
      ]),
    );
  });
});
