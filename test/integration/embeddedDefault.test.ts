import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { runMain, type MainProcess } from '../support/runMain';
import { PROJECT_ROOT } from '../support/testGateway';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_INSTALL_HINT =
  'Chromium is not installed. Install it with: apt-get update && apt-get install -y chromium';

/** The README's first command, as a newcomer runs it: no Redis, sample systems answering. */
describe('Embedded default: one command, four sample systems, GraphiQL offline', () => {
  let main: MainProcess;
  beforeAll(async () => {
    main = await runMain({ SAMPLE_SIZE: '800' });
  });
  afterAll(async () => {
    await main?.stop();
  });

  it('prints its URLs and example codes from every system', () => {
    expect(main.stdout()).toMatch(/GraphiQL\s+http:\/\/127\.0\.0\.1:\d+\/graphiql/);
    expect(main.exampleCodes.some((code) => code.includes('.H56-'))).toBe(true);
    expect(main.exampleCodes.some((code) => code.includes('.G09-'))).toBe(true);
    expect(main.exampleCodes.some((code) => code.includes('.12.H56-'))).toBe(true);
    expect(main.exampleCodes.some((code) => code.includes('.h47-'))).toBe(true);
  });

  it('prints one demo key per role, and refuses callers without one', async () => {
    expect(Object.keys(main.keys).sort()).toEqual(['admin', 'auditor', 'portal', 'province-it']);
    const anonymous = await fetch(`${main.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ viewer { role } }' }),
    });
    expect(
      ((await anonymous.json()) as { errors: Array<{ extensions: unknown }> }).errors[0]
        ?.extensions,
    ).toEqual({
      code: 'UNAUTHENTICATED',
    });
  });

  it('answers the printed codes from every system, and reports readiness', async () => {
    const response = await fetch(`${main.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': main.keys.portal as string },
      body: JSON.stringify({
        query:
          'query ($c: [String!]!) { dossiers(codes: $c) { dossier { source { connector } } error { code } } }',
        variables: { c: main.exampleCodes },
      }),
    });
    const body = (await response.json()) as {
      data: { dossiers: Array<{ dossier: { source: { connector: string } } | null }> };
    };
    expect(body.data.dossiers.map((item) => item.dossier?.source.connector)).toEqual([
      'thanh-hoa-motcua',
      'bo-noi-vu-dvc',
      'thanh-hoa-datdai',
      'tuyen-quang-motcua',
    ]);
    const ready = await fetch(`${main.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      degraded: false,
      cache: 'memory',
      connectors: [
        { id: 'bo-noi-vu-dvc' },
        { id: 'thanh-hoa-datdai' },
        { id: 'thanh-hoa-motcua' },
        { id: 'tuyen-quang-motcua' },
      ],
    });
    expect((await fetch(`${main.url}/healthz`)).status).toBe(200);
  });

  it('serves GraphiQL that works in Chromium with every non-loopback request blocked', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(CHROMIUM_INSTALL_HINT);
    const browser: Browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const blocked: string[] = [];
      await page.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') return route.continue();
        blocked.push(url.href);
        return route.abort();
      });
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`${main.url}/graphiql`);
      const answered = page.waitForResponse(
        (response) =>
          response.url().endsWith('/graphql') &&
          response.request().postData()?.includes('LookUp') === true,
      );
      await page.locator('.graphiql-execute-button').click();
      const body = (await (await answered).json()) as {
        data: { dossiers: Array<{ dossier: { source: { connector: string } } | null }> };
      };
      // The pre-filled codes come from every system (one of each a closed code routed by successor).
      expect(body.data.dossiers.map((item) => item.dossier?.source.connector)).toEqual([
        'thanh-hoa-motcua',
        'thanh-hoa-motcua',
        'bo-noi-vu-dvc',
        'bo-noi-vu-dvc',
        'thanh-hoa-datdai',
        'thanh-hoa-datdai',
        'tuyen-quang-motcua',
        'tuyen-quang-motcua',
      ]);
      await page.locator('.result-window').getByText('"thanh-hoa-motcua"').first().waitFor();
      mkdirSync(join(PROJECT_ROOT, 'test', 'artifacts'), { recursive: true });
      await page.screenshot({ path: join(PROJECT_ROOT, 'test', 'artifacts', 'graphiql.png') });
      expect(blocked).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('serves GraphiQL at /graphiql/ too', async () => {
    expect((await fetch(`${main.url}/graphiql/`)).status).toBe(200);
  });

  // The second gateway exits as soon as it finds the port taken; the wait is long because a
  // loaded machine took more than 10 s to get it that far.
  it('explains a port in use instead of printing a stack', async () => {
    const port = new URL(main.url).port;
    await expect(runMain({ PORT: port, SAMPLE_SIZE: '100' }, 60_000)).rejects.toThrow(
      new RegExp(
        `127\\.0\\.0\\.1:${port} is already in use\\. Stop what holds it, or choose another port: PORT=4001 npm start`,
      ),
    );
  }, 90_000);

  it('stops cleanly on SIGTERM', async () => {
    expect(await main.stop()).toBe(0);
  });
});
