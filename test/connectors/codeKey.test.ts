import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectorError } from '../../connectors/ConnectorError';
import { restJsonKind } from '../../connectors/rest-json/restJsonKind';
import { upperCaseCode } from '../../src/domain/dossierKey';
import { createUpstreamHttp } from '../../src/runtime/createUpstreamHttp';
import { NetworkPolicy } from '../../src/runtime/NetworkPolicy';
import { createTestLogger } from '../support/testLogger';

/** A system that stores a code in lower case and finds it in any case, single and bulk. */
const STORED = '000.00.08.h47-250312-0007';
const UPPER = '000.00.08.H47-250312-0007';
const OTHER = '000.00.08.h47-250312-0008';

describe('ConnectorDeps.codeKey: records matched to the codes asked by their key', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.setHeader('Content-Type', 'application/json');
        const stored = [STORED, OTHER].map((ma) => ({ ma, tt: 'moi' }));
        const same = (code: string) => (record: { ma: string }) =>
          record.ma.toLowerCase() === code.toLowerCase();
        if (req.method === 'POST') {
          const { codes } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            codes: string[];
          };
          return void res.end(
            JSON.stringify({ data: stored.filter((r) => codes.some((code) => same(code)(r))) }),
          );
        }
        const code = decodeURIComponent((req.url as string).split('/').at(-1) as string);
        const record = stored.find(same(code));
        res.statusCode = record === undefined ? 404 : 200;
        res.end(JSON.stringify(record ?? {}));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  function connector(lookup: Record<string, unknown>, codeKey?: (code: string) => string) {
    const config = restJsonKind.configSchema.parse({
      lookup,
      mapping: { code: 'ma', status: 'tt' },
      statuses: { map: { moi: 2 } },
    });
    return restJsonKind.create(config, {
      connectorId: 'hop-nhat',
      http: createUpstreamHttp({
        network: NetworkPolicy.unrestricted(),
        connectorId: 'hop-nhat',
        baseUrl: base,
        timeoutMs: 2000,
        auth: { type: 'none' },
        maxResponseBytes: 1 << 20,
        now: Date.now,
      }),
      logger: createTestLogger(),
      clock: { now: () => new Date() },
      ...(codeKey === undefined ? {} : { codeKey }),
    });
  }
  const call = () => ({ signal: new AbortController().signal, requestId: 't' });
  const BULK = {
    bulk: { method: 'POST', path: '/tracuu', body: '{"codes": $codes}', records: 'data' },
  };
  const SINGLE = { single: { path: '/hoso/{code}' } };

  it('bulk: a record in another case answers the code asked, keeping its own code', async () => {
    const results = await connector(BULK, upperCaseCode).getDossiers([UPPER, STORED], call());
    expect(results.map((result) => (result as { code: string } | null)?.code)).toEqual([
      STORED,
      STORED,
    ]);
  });

  it('bulk without a key: the record in another case is not the code asked (not found)', async () => {
    expect(await connector(BULK).getDossiers([UPPER], call())).toEqual([null]);
  });

  it('single: the record in another case is the dossier with a key, and refused as another without', async () => {
    const [found] = await connector(SINGLE, upperCaseCode).getDossiers([UPPER], call());
    expect(found).toMatchObject({ code: STORED });
    const [refused] = await connector(SINGLE).getDossiers([UPPER], call());
    expect(refused).toBeInstanceOf(ConnectorError);
    expect(refused).toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      message: `hop-nhat lookup: upstream answered dossier ${STORED} when asked for ${UPPER}`,
    });
  });
});
