import { findCodes } from '../support/sampleCodes';
import { startTestGateway, takeStats, type TestGateway } from '../support/testGateway';

const PROCEDURE = `code name isLocalVariant nationalCode national { code } fieldCode fieldName
  onlineLevel { value raw } state { value raw }
  implementingAgencies { code name agency { code } }
  channels { channel { value raw } processingTime processingTimeLimit { value unit rangeStart text }
    processingDays fees { name amount charged text } }
  documents { name formName formUrl } legalBases { number title }
  sources { connector syncedAt stale } warnings { field problem }`;

describe('Catalogue: four systems merged into one index', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => {
    await t.close();
  });

  const search = async (args: string) => {
    const answer = await t.query<{
      procedures: { totalCount: number; nodes: any[]; pageInfo: any };
    }>(
      `{ procedures(${args}) { totalCount nodes { code name } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(answer.errors).toBeUndefined();
    return answer.data?.procedures as {
      totalCount: number;
      nodes: Array<{ code: string; name: string }>;
      pageInfo: { hasNextPage: boolean; endCursor: string };
    };
  };

  it('syncs every catalogue on start, by page, by cursor and over SOAP', async () => {
    const answer = await t.query<{ procedureCatalogueStatus: any[] }>(
      `{ procedureCatalogueStatus { connector connectorName entries stale unreadable lastSyncedAt lastError { code } } }`,
    );
    expect(
      answer.data?.procedureCatalogueStatus.map((s) => [
        s.connector,
        s.entries,
        s.stale,
        s.unreadable,
        s.lastError,
      ]),
    ).toEqual([
      ['bo-noi-vu-dvc', 4, false, 0, null],
      ['thanh-hoa-datdai', 7, false, 0, null],
      ['thanh-hoa-motcua', 11, false, 0, null],
      ['tuyen-quang-motcua', 9, false, 0, null],
    ]);
    expect(answer.data?.procedureCatalogueStatus[0].lastSyncedAt).toMatch(/\+07:00$/);
  });

  it('finds procedures without regard to diacritics, tone placement, đ or decomposed input', async () => {
    expect((await search('search: "dang ky kinh doanh"')).nodes.map((n) => n.name)).toEqual([
      'Đăng ký thành lập hộ kinh doanh',
      'Đăng ký thành lập hộ kinh doanh',
      'Đăng ký thành lập hộ kinh doanh',
    ]);
    expect((await search('search: "hoà giải"')).nodes.map((n) => n.name)).toEqual([
      'Hòa giải tranh chấp đất đai',
    ]);
    expect((await search('search: "HOA GIAI"')).totalCount).toBe(1);
    const decomposed = await search(`search: "${'Đăng ký đất đai'.normalize('NFD')}"`);
    const plain = await search('search: "dang ky dat dai"');
    expect(decomposed.totalCount).toBeGreaterThan(0);
    expect(decomposed.nodes).toEqual(plain.nodes);
  });

  it('stores names in NFC even when a system sends them decomposed', async () => {
    const all = await search('first: 500');
    for (const node of all.nodes) expect(node.name).toBe(node.name.normalize('NFC'));
  });

  it('merges one code listed by two systems into one entry, and links local variants to it', async () => {
    const answer = await t.query<any>(
      `{ national: procedure(code: "1.004227") { ${PROCEDURE} variants { code } } local: procedure(code: "1.004227.000.00.12.H56") { ${PROCEDURE} } }`,
    );
    const national = answer.data.national;
    expect(national.sources.map((s: { connector: string }) => s.connector)).toEqual([
      'thanh-hoa-datdai',
      'thanh-hoa-motcua',
    ]);
    expect(national.variants.map((v: { code: string }) => v.code)).toEqual([
      '1.004227.000.00.00.H56',
      '1.004227.000.00.00.H60',
      '1.004227.000.00.12.H56',
    ]);
    expect(national.isLocalVariant).toBe(false);
    const all = await search('search: "1.004227"');
    expect(all.nodes.map((n) => n.code)).toEqual([
      '1.004227',
      '1.004227.000.00.00.H56',
      '1.004227.000.00.00.H60',
      '1.004227.000.00.12.H56',
    ]);
    expect(answer.data.local).toMatchObject({
      isLocalVariant: true,
      nationalCode: '1.004227',
      national: { code: '1.004227' },
      onlineLevel: { value: 'FULL', raw: 'Toàn trình' },
      state: { value: 'PUBLISHED', raw: 'Đang công khai' },
      implementingAgencies: [
        {
          code: '000.01.12.H56',
          name: 'Văn phòng Đăng ký đất đai tỉnh Thanh Hóa',
          agency: { code: '000.01.12.H56' },
        },
      ],
      channels: [
        {
          channel: { value: 'IN_PERSON', raw: '1' },
          processingTime: '30 ngày làm việc',
          processingTimeLimit: {
            value: 30,
            unit: 'WORKING_DAYS',
            rangeStart: null,
            text: '30 ngày làm việc',
          },
          processingDays: 30,
          fees: [
            { name: 'Lệ phí cấp giấy chứng nhận', amount: 100000, charged: true, text: '100000' },
          ],
        },
        {
          channel: { value: 'ONLINE', raw: '2' },
          processingTime: '30 ngày làm việc',
          processingTimeLimit: {
            value: 30,
            unit: 'WORKING_DAYS',
            rangeStart: null,
            text: '30 ngày làm việc',
          },
          processingDays: 30,
          fees: [
            { name: 'Lệ phí cấp giấy chứng nhận', amount: 50000, charged: true, text: '50000' },
          ],
        },
      ],
      documents: [
        {
          name: 'Tờ khai theo mẫu',
          formName: 'Mẫu tờ khai 1.004227',
          formUrl: 'https://thutuc.example/mau/1.004227.docx',
        },
        { name: 'Bản sao giấy tờ tùy thân', formName: null, formUrl: null },
      ],
      legalBases: [{ number: '31/2024/QH15', title: 'Luật Đất đai' }],
      warnings: [],
    });
  });

  it('reads time limits and fees as each system publishes them, and says what it cannot read', async () => {
    const answer = await t.query<any>(`{
      ministry: procedure(code: "1.000459") { ${PROCEDURE} }
      noFee: procedure(code: "2.000201") { ${PROCEDURE} }
      month: procedure(code: "1.005388") { ${PROCEDURE} }
      sameDay: procedure(code: "2.000815.000.00.00.H56") { ${PROCEDURE} }
      range: procedure(code: "1.009994.000.00.00.H56") { ${PROCEDURE} }
      calendar: procedure(code: "2.001023.000.00.00.H56") { ${PROCEDURE} }
      hours: procedure(code: "1.002993.000.00.12.H56") { ${PROCEDURE} }
      decomposed: procedure(code: "1.001234.000.00.12.H56") { ${PROCEDURE} }
      conditions: procedure(code: "1.000894.000.00.00.H56") { ${PROCEDURE} }
    }`);
    expect(answer.errors).toBeUndefined();
    const first = (name: string) => answer.data[name].channels[0];
    // The national sync format: "5 Ngày làm việc", amounts as "600.000 đồng".
    expect(first('ministry')).toEqual({
      channel: { value: 'IN_PERSON', raw: '1' },
      processingTime: '5 Ngày làm việc',
      processingTimeLimit: {
        value: 5,
        unit: 'WORKING_DAYS',
        rangeStart: null,
        text: '5 Ngày làm việc',
      },
      processingDays: 5,
      fees: [
        {
          name: 'Lệ phí cấp giấy phép lao động',
          amount: 600000,
          charged: true,
          text: '600.000 đồng',
        },
      ],
    });
    // "Không thu" is no fee: not charged, no amount — not an amount of 0.
    expect(first('noFee')).toMatchObject({
      processingTimeLimit: { value: 5, unit: 'WORKING_DAYS' },
      fees: [{ name: 'Phí', amount: null, charged: false, text: 'Không thu' }],
    });
    expect(first('month')).toMatchObject({
      processingTimeLimit: { value: 1, unit: 'MONTHS', text: '1 tháng' },
      processingDays: 30,
      fees: [{ amount: null, charged: false, text: 'Không thu phí, lệ phí' }],
    });
    expect(first('sameDay')).toMatchObject({
      processingTimeLimit: { value: 1, unit: 'SAME_DAY', text: 'Trong ngày' },
      fees: [{ name: 'Phí chứng thực', amount: 2000, charged: true, text: '2000' }],
    });
    expect(first('range').processingTimeLimit).toEqual({
      value: 20,
      unit: 'DAYS',
      rangeStart: 15,
      text: '15 - 20 ngày',
    });
    expect(first('calendar').processingTimeLimit).toMatchObject({ value: 10, unit: 'DAYS' });
    expect(first('hours').processingTimeLimit).toMatchObject({ value: 8, unit: 'WORKING_HOURS' });
    // The SOAP system sends this record decomposed (NFD): read all the same, kept in NFC.
    expect(first('decomposed')).toMatchObject({
      processingTime: 'Không quá 45 ngày',
      processingTimeLimit: { value: 45, unit: 'DAYS', text: 'Không quá 45 ngày' },
      fees: [{ amount: null, charged: false, text: 'Miễn phí' }],
    });
    for (const name of ['ministry', 'noFee', 'month', 'sameDay', 'range', 'hours', 'decomposed'])
      expect(answer.data[name].warnings).toEqual([]);
    // A limit with conditions is kept as text, not read, and the procedure says so.
    const conditions = answer.data.conditions;
    expect(conditions.channels.map((c: any) => c.processingTimeLimit)).toEqual([null, null]);
    expect(first('conditions').processingTime).toMatch(
      /^Ngay trong ngày tiếp nhận hồ sơ; trường hợp/,
    );
    expect(first('conditions').fees).toEqual([
      { name: 'Lệ phí hộ tịch', amount: null, charged: false, text: 'Miễn lệ phí' },
    ]);
    expect(conditions.warnings).toEqual(
      [0, 1].map((index) => ({
        field: `channels[${index}].processingTime`,
        problem: expect.stringContaining('is not read'),
      })),
    );
  });

  it('filters by field, agency, online level and state', async () => {
    expect((await search('field: "G15-HT"')).nodes.map((n) => n.code)).toEqual([
      '1.000656.000.00.00.H56',
      '1.000656.000.00.00.H60',
      '1.000894',
      '1.000894.000.00.00.H56',
      '1.000894.000.00.00.H60',
      '2.000998.000.00.00.H56',
    ]);
    expect((await search('agency: "000.00.00.G09"')).totalCount).toBe(4);
    expect((await search('state: ABOLISHED')).nodes).toEqual([
      { code: '2.000998.000.00.00.H56', name: 'Cấp bản sao trích lục hộ tịch (thủ tục cũ)' },
    ]);
    const partial = await search('onlineLevel: PARTIAL, first: 500');
    const full = await search('onlineLevel: FULL, first: 500');
    expect(partial.totalCount + full.totalCount).toBe((await search('first: 500')).totalCount);
  });

  it('pages with a stable cursor: small pages add up to the whole, in order, without repeats', async () => {
    const whole = (await search('first: 500')).nodes.map((n) => n.code);
    const paged: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 50; guard += 1) {
      const page = await search(`first: 4${after === null ? '' : `, after: "${after}"`}`);
      paged.push(...page.nodes.map((n) => n.code));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(paged).toEqual(whole);
    expect(new Set(paged).size).toBe(paged.length);
    expect(whole).toEqual([...whole].sort());
  });

  it("resolves a dossier's procedure through the index", async () => {
    const [land] = findCodes(t.samples.land.dataset, 1, () => true, '000.01.12.H56');
    const [ministry] = findCodes(t.samples.ministry.dataset, 1);
    const answer = await t.query<any>(
      `query ($codes: [String!]!) { dossiers(codes: $codes) { dossier { procedureCode procedure { code name isLocalVariant } } } }`,
      { codes: [land, ministry] },
    );
    for (const item of answer.data.dossiers)
      expect(item.dossier.procedure.code).toBe(item.dossier.procedureCode);
    expect(answer.data.dossiers[0].dossier.procedure.isLocalVariant).toBe(true);
  });

  it("keeps a failing system's entries, marked stale with their sync time, and refreshes them when it answers again", async () => {
    const before = await t.query<any>(
      `{ procedure(code: "1.001612.000.00.00.H56") { sources { connector syncedAt stale } } }`,
    );
    const syncedAt = before.data.procedure.sources[0].syncedAt;
    t.samples.provincial.faults.htmlErrorStatus = 503;
    try {
      // As the scheduled sync would run (an on-demand sync right after a good one is not re-asked).
      await t.gateway.catalogue.sync('thanh-hoa-motcua');
      const failed = await t.query<any>(
        `{ procedureCatalogueStatus { connector entries stale lastSyncedAt lastError { code retryable } } }`,
      );
      expect(failed.data.procedureCatalogueStatus[2]).toEqual({
        connector: 'thanh-hoa-motcua',
        entries: 11,
        stale: true,
        lastSyncedAt: syncedAt,
        lastError: { code: 'UPSTREAM_UNAVAILABLE', retryable: true },
      });
      const kept = await t.query<any>(
        `{ procedure(code: "1.001612.000.00.00.H56") { name sources { connector syncedAt stale } } }`,
      );
      expect(kept.data.procedure).toEqual({
        name: 'Đăng ký thành lập hộ kinh doanh',
        sources: [{ connector: 'thanh-hoa-motcua', syncedAt, stale: true }],
      });
    } finally {
      t.samples.provincial.faults.htmlErrorStatus = null;
    }
    // Scheduled sync once it answers again (on demand it would wait ten seconds after a failure).
    await t.gateway.catalogue.sync('thanh-hoa-motcua');
    const again = await t.query<any>(
      `{ procedureCatalogueStatus { connector stale lastError { code } } }`,
    );
    expect(again.data.procedureCatalogueStatus[2]).toEqual({
      connector: 'thanh-hoa-motcua',
      stale: false,
      lastError: null,
    });
  });

  it('does not ask a system again for an on-demand sync right after the last attempt', async () => {
    await t.gateway.catalogue.sync('bo-noi-vu-dvc');
    takeStats(t.samples.ministry);
    const answer = await t.query<any>(
      `mutation { a: syncProcedureCatalogue(connector: "bo-noi-vu-dvc") { stale } b: syncProcedureCatalogue(connector: "bo-noi-vu-dvc") { stale } }`,
    );
    expect(answer.data).toEqual({ a: [{ stale: false }], b: [{ stale: false }] });
    expect(takeStats(t.samples.ministry).cataloguePages).toBe(0);
    // The scheduled sync does ask: two pages of two.
    await t.gateway.catalogue.sync('bo-noi-vu-dvc');
    expect(takeStats(t.samples.ministry).cataloguePages).toBe(2);
  });

  it('refuses a sync of a system that is not registered', async () => {
    const answer = await t.query(
      `mutation { syncProcedureCatalogue(connector: "khong-co") { connector } }`,
    );
    expect(answer.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
      message: expect.stringContaining('"khong-co" is not a registered system with a catalogue'),
    });
  });
});
