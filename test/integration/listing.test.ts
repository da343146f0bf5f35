import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { startTestGateway, type TestGateway } from '../support/testGateway';
import type { NationalDossier } from '../../connectors/model';

/**
 * Listing an agency's dossiers by date received (issue 9's base), through each bundled
 * registration and the gateway's guarded runtime, against the sample systems' own counts:
 * page-numbered with a total (REST, SOAP) and cursor-paged (the ministry's national format).
 */
describe('Listing an agency’s dossiers by date received', () => {
  let samples: SampleSystems;
  let t: TestGateway;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 30_000, seed: 64 });
    t = await startTestGateway({ samples, env: { CATALOGUE_SYNC_INTERVAL_MS: '0' } });
  }, 30_000);
  afterAll(async () => {
    await t.close();
    await samples.close();
  });

  const call = () => ({ signal: AbortSignal.timeout(10_000), requestId: 'listing-test' });
  const listAll = async (connector: string, agencyCode: string, from: string, to: string) => {
    const runtime = t.gateway.registry.runtime(connector);
    if (runtime === undefined) throw new Error(`no ${connector}`);
    const codes: string[] = [];
    const received: string[] = [];
    const listed: NationalDossier[] = [];
    const personal: unknown[] = [];
    let steps = 0;
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await runtime.listDossiers({ agencyCode, from, to }, cursor, call());
      if ('error' in page) throw new Error(`${page.error.code}: ${page.error.message}`);
      expect(page.unreadable).toBe(0);
      codes.push(...page.dossiers.map((d) => d.code));
      received.push(...page.dossiers.map((d) => d.receivedAt as string));
      if (listed.length < 40) listed.push(...page.dossiers.slice(0, 10));
      for (const d of page.dossiers) {
        steps += d.history.length;
        // Indicators' fields only: nothing about the applicant, no files, fee names or free text.
        const { name, phone, email, address, ids } = d.applicant;
        personal.push(
          ...[name, phone, email, address, d.summary].filter((v) => v !== null),
          ...ids,
          ...d.files,
          ...d.fees.filter((fee) => fee.name !== null),
          ...d.history.flatMap((h) => [h.actor, h.content].filter((v) => v !== null)),
        );
      }
      cursor = page.next;
      pages += 1;
    } while (cursor !== null && pages < 1000);
    return { codes, received, pages, listed, personal, steps };
  };

  // The land system's listing takes no unit: asked for one, it lists every unit's dossiers
  // (reports keep each unit's: test/integration/reports.test.ts).
  it.each([
    ['thanh-hoa-motcua', 'provincial', '000.00.01.H56', '000.00.01.H56'],
    ['thanh-hoa-datdai', 'land', '000.01.12.H56', null],
    ['bo-noi-vu-dvc', 'ministry', '000.00.20.G09', '000.00.20.G09'],
  ] as const)(
    '%s lists a quarter page by page: every dossier once, all in range',
    async (id, system, agency, lists) => {
      const { codes, received, pages, listed, personal, steps } = await listAll(
        id,
        agency,
        '2026-07-01',
        '2026-09-30',
      );
      const truth = samples[system].dataset.listReceived(lists, '2026-07-01', '2026-09-30', 0, 1e9);
      expect(codes.length).toBe(truth.total);
      expect(codes).toEqual(truth.dossiers.map((d) => d.code));
      const units = new Set(codes.map((code) => code.split('-')[0]));
      if (lists === null) expect(units.size).toBeGreaterThan(1);
      else expect([...units]).toEqual([agency]);
      // What indicators read is what a full lookup of the same dossier says.
      const runtime = t.gateway.registry.runtime(id);
      const looked = await runtime?.getDossiers(
        listed.map((d) => d.code),
        call(),
      );
      const counted = (d: NationalDossier) => ({
        code: d.code,
        status: d.status.code,
        channel: d.channel,
        agency: d.agencyCode,
        procedure: d.procedureCode,
        dates: [d.receivedAt, d.dueAt, d.finishedAt, d.returnedAt],
        supplements: d.supplements,
        steps: d.history.map((h) => [h.at, h.status?.code]),
        fees: d.fees.map((fee) => fee.amount),
        field: [d.fieldCode, d.fieldName],
        digital: d.digital,
      });
      expect(listed.map(counted)).toEqual(
        looked?.map((o) => (o.kind === 'found' ? counted(o.dossier) : o.kind)),
      );
      expect(steps).toBeGreaterThan(0);
      expect(personal).toEqual([]);
      expect(new Set(codes).size).toBe(codes.length);
      expect(pages).toBeGreaterThan(1);
      expect(received.every((at) => at >= '2026-07-01T00:00' && at < '2026-10-01T00:00')).toBe(
        true,
      );
    },
  );

  it('answers an unknown agency with nothing, and a failing system with its typed error', async () => {
    expect(
      (await listAll('thanh-hoa-motcua', '000.99.99.H56', '2026-07-01', '2026-07-31')).codes,
    ).toEqual([]);
    samples.provincial.faults.htmlErrorStatus = 503;
    try {
      const runtime = t.gateway.registry.runtime('thanh-hoa-motcua');
      const page = await runtime?.listDossiers(
        { agencyCode: '000.00.01.H56', from: '2026-07-01', to: '2026-07-31' },
        null,
        call(),
      );
      expect(page).toMatchObject({
        error: { code: 'UPSTREAM_UNAVAILABLE', connector: 'thanh-hoa-motcua' },
      });
    } finally {
      samples.provincial.faults.htmlErrorStatus = null;
    }
  });
});
