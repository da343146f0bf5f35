import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { storedBeforeTheRules } from '../support/registrations';
import { findCodes } from '../support/sampleCodes';
import { PROJECT_ROOT, startTestGateway, type TestGateway } from '../support/testGateway';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_INSTALL_HINT =
  'Chromium is not installed. Install it with: apt-get update && apt-get install -y chromium';

/**
 * The console in a real headless Chromium, every request to anything but the gateway on loopback
 * aborted: a province-IT engineer signs in with a key, sees its healthy and its failing system as
 * such (and not another agency's), looks a dossier up, switches language; the test saves a
 * screenshot to test/artifacts/console.png.
 */
describe('Console page in Chromium', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  let browser: Browser;
  let outboxDir: string;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(CHROMIUM_INSTALL_HINT);
    samples = await startSampleSystems({ size: 400, seed: 77 });
    // A registration an earlier gateway saved, with an expression the current rules refuse: the
    // gateway starts, quarantines it, and the console says so.
    const registryDir = mkdtempSync(join(tmpdir(), 'console-registry-'));
    writeFileSync(
      join(registryDir, 'cu-h5601.json'),
      JSON.stringify({ versions: [storedBeforeTheRules('cu-h5601', samples.provincial.url)] }),
    );
    // Changes go to the sample receiver through a file outbox of the test's own.
    outboxDir = mkdtempSync(join(tmpdir(), 'console-outbox-'));
    t = await startTestGateway({
      samples,
      env: {
        CATALOGUE_SYNC_INTERVAL_MS: '0',
        REGISTRY_DIR: registryDir,
        ...samples.syncVariables,
        SYNC_OUTBOX: 'file',
        SYNC_OUTBOX_DIR: outboxDir,
      },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
    });
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await samples?.close();
    rmSync(outboxDir, { recursive: true, force: true });
  });

  const open = async (): Promise<{ page: Page; blocked: string[]; errors: string[] }> => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    const blocked: string[] = [];
    const errors: string[] = [];
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1') return route.continue();
      blocked.push(url.href);
      return route.abort();
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${t.url}/console`);
    return { page, blocked, errors };
  };

  it('signs in, shows a healthy and a failing system, looks a dossier up, in both languages', async () => {
    // The land system fails (a proxy answering 503) while the provincial one answers.
    const [landCode] = findCodes(samples.land.dataset, 1, () => true);
    const [code] = findCodes(
      samples.provincial.dataset,
      1,
      (d) => d.agency.code === '000.00.01.H56' && d.applicant.type === 1,
    );
    samples.land.faults.htmlErrorStatus = 503;
    try {
      for (let i = 0; i < 2; i += 1)
        await t.query(
          'query ($c: String!) { dossier(code: $c) { code } }',
          { c: landCode },
          'portal',
        );
    } finally {
      samples.land.faults.htmlErrorStatus = null;
    }
    await t.query('query ($c: String!) { dossier(code: $c) { code } }', { c: code }, 'portal');
    // One poll of the land system for its changes (polls are off in tests unless run).
    await t.gateway.changes.poller.poll('thanh-hoa-datdai', AbortSignal.timeout(10_000));
    // The provincial dossier looked up is delivered to the receiver, seen for the first time.
    const delivered = Date.now() + 10_000;
    while (samples.receiver.received().total < 1 && Date.now() < delivered)
      await new Promise((resolve) => setTimeout(resolve, 20));

    const { page, blocked, errors } = await open();
    await page.locator('#key').fill(t.keys['province-it']);
    await page.locator('#signin-form button').click();
    const row = (id: string) => page.locator(`#connectors tr[data-connector="${id}"]`);
    await row('thanh-hoa-motcua').waitFor();
    expect(await row('thanh-hoa-motcua').getAttribute('data-status')).toBe('HEALTHY');
    expect(await row('thanh-hoa-motcua').locator('.badge').textContent()).toBe('Ổn định');
    expect(await row('thanh-hoa-datdai').getAttribute('data-status')).toBe('FAILING');
    expect(await row('thanh-hoa-datdai').locator('.badge').textContent()).toBe('Đang lỗi');
    expect(await row('thanh-hoa-datdai').locator('.last-error').textContent()).toContain(
      'UPSTREAM_UNAVAILABLE',
    );
    // How each system's changes are followed: pushed, or polled (with this replica's last poll).
    // And what the sync bridge delivered of them (the dossier looked up, once).
    expect(await row('thanh-hoa-motcua').locator('.changes').textContent()).toMatch(
      /^hệ thống báo · đọc thay đổi từ lần trước; đồng bộ: đã gửi 1, chờ gửi 0, không gửi được 0, độ trễ p50\/p99 \d+ \/ \d+ ms$/,
    );
    expect(await row('thanh-hoa-datdai').locator('.changes').textContent()).toMatch(
      /^đọc danh sách · kiểm tra lại; hỏi lúc \d{1,2}:\d{2}:\d{2} \(\d+ ms\), 0 thay đổi; đồng bộ: đã gửi 0, chờ gửi 0, không gửi được 0$/,
    );
    // Another agency's system is not shown to Thanh Hóa's IT.
    expect(await row('bo-noi-vu-dvc').count()).toBe(0);
    // Its quarantined registration is, with why.
    expect(await row('cu-h5601').getAttribute('data-status')).toBe('QUARANTINED');
    expect(await row('cu-h5601').locator('.badge').textContent()).toBe('Bị cách ly');
    expect(await row('cu-h5601').locator('.last-error').textContent()).toMatch(
      /^Bị cách ly từ .*config\.mapping\.summary: \$pad to a width of 200,000,000: at most 1,000,000 characters/,
    );
    expect(await page.locator('#who').textContent()).toContain('province_it');

    await page.locator('#code').fill(code as string);
    await page.locator('#lookup-form button').click();
    await page
      .locator('#normalised')
      .getByText(code as string)
      .first()
      .waitFor();
    const raw = (await page.locator('#raw').textContent()) as string;
    expect(raw).toContain(`"dossierNo": "${code}"`);
    const applicant = samples.provincial.dataset.get(code as string)?.applicant;
    for (const personal of [applicant?.name, applicant?.idNumber, applicant?.phone]) {
      expect(raw).not.toContain(personal);
      expect(await page.locator('#normalised').textContent()).not.toContain(personal);
    }
    expect(await page.locator('#lookup-summary').textContent()).toBe(
      'Tìm thấy tại thanh-hoa-motcua',
    );

    await page.locator('#lang').click();
    expect(await page.locator('h1').textContent()).toBe('Gateway console');
    expect(await row('thanh-hoa-datdai').locator('.badge').textContent()).toBe('Failing');
    expect(await row('cu-h5601').locator('.badge').textContent()).toBe('Quarantined');
    expect(await row('thanh-hoa-datdai').locator('.changes').textContent()).toMatch(
      /^listing · recheck; polled at /,
    );
    expect(await row('thanh-hoa-motcua').locator('.changes').textContent()).toMatch(
      /^pushed · modified since; sync: delivered 1, waiting 0, dead letters 0/,
    );
    expect(await page.locator('#lookup-summary').textContent()).toBe('Found at thanh-hoa-motcua');
    mkdirSync(join(PROJECT_ROOT, 'test', 'artifacts'), { recursive: true });
    await page.screenshot({
      path: join(PROJECT_ROOT, 'test', 'artifacts', 'console.png'),
      fullPage: true,
    });

    // Refreshes by itself: a call made now shows within the next poll (every 5 s).
    const calls = Number(await row('thanh-hoa-motcua').locator('td').nth(3).textContent());
    const [another] = findCodes(
      samples.provincial.dataset,
      2,
      (d) => d.agency.code === '000.00.01.H56',
    ).filter((c) => c !== code);
    await t.query('query ($c: String!) { dossier(code: $c) { code } }', { c: another }, 'portal');
    const deadline = Date.now() + 8000;
    let now = calls;
    while (now <= calls && Date.now() < deadline) {
      await page.waitForTimeout(250);
      now = Number(await row('thanh-hoa-motcua').locator('td').nth(3).textContent());
    }
    expect(now).toBeGreaterThan(calls);
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  it('refuses a key without the role, and a wrong key, on the sign-in form', async () => {
    const { page, errors } = await open();
    await page.locator('#key').fill(t.keys.portal);
    await page.locator('#signin-form button').click();
    await page.locator('#signin-error').waitFor({ state: 'visible' });
    expect(await page.locator('#signin-error').textContent()).toContain('province-it hoặc admin');
    expect(await page.locator('#dashboard').isHidden()).toBe(true);
    await page.locator('#key').fill('dvck_0000000000000000_wrong');
    await page.locator('#signin-form button').click();
    await page.getByText('Khóa không hợp lệ').waitFor();
    // The admin sees every system.
    await page.locator('#key').fill(t.keys.admin);
    await page.locator('#signin-form button').click();
    await page.locator('#connectors tr[data-connector="bo-noi-vu-dvc"]').waitFor();
    expect(errors.filter((e) => !/401|403/.test(e))).toEqual([]);
    await page.close();
  }, 30_000);

  it('serves the page with a strict Content-Security-Policy', async () => {
    const response = await fetch(`${t.url}/console`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
  });
});
