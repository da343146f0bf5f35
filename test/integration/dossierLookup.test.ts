import { findCodes } from '../support/sampleCodes';
import { startTestGateway, takeStats, type TestGateway } from '../support/testGateway';

const DOSSIER_FIELDS = `
  code procedureCode procedureName fieldName handlingUnit
  agency { code name validTo }
  channel { value code raw }
  applicant { name type ids { type number } phone email address }
  summary files { name url }
  receivedAt dueAt finishedAt returnedAt
  status { value code label raw lossy mayBe }
  history { at actor department content status { value raw } }
  fees { name amount charged text } results { name number issuedAt url } supplements { requestedAt dueBefore dueAfter }
  personalDataMasked
  source { connector connectorName fetchedAt cached routedVia warnings { field problem } }
`;

type Item = {
  code: string;
  dossier: Record<string, any> | null;
  error: { code: string; message: string; connector: string | null; retryable: boolean } | null;
};

describe('Dossier lookup: two different systems through one endpoint', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(() => {
    takeStats(t.samples.provincial);
    takeStats(t.samples.ministry);
  });

  const lookup = async (codes: string[]) => {
    const answer = await t.query<{ dossiers: Item[] }>(
      `query ($codes: [String!]!) { dossiers(codes: $codes) { code dossier { ${DOSSIER_FIELDS} } error { code message connector retryable } } }`,
      { codes },
    );
    expect(answer.errors).toBeUndefined();
    return answer.data?.dossiers as Item[];
  };

  it('answers a provincial REST dossier in the national model, personal data masked', async () => {
    const [code] = findCodes(
      t.samples.provincial.dataset,
      1,
      (d) =>
        d.status === 10 && d.applicant.type === 1 && d.applicant.email !== null && d.channel !== 3,
    );
    const sample = t.samples.provincial.dataset.get(code as string)!;
    const [item] = await lookup([code as string]);
    const dossier = item?.dossier as Record<string, any>;
    expect(item?.error).toBeNull();
    expect(dossier.code).toBe(code);
    expect(dossier.procedureCode).toBe(`${sample.procedure.code}.000.00.00.H56`);
    expect(dossier.procedureName).toBe(sample.procedure.name);
    expect(dossier.status).toEqual({
      value: 'RETURNED',
      code: 10,
      label: 'Đã trả kết quả',
      raw: 'done',
      lossy: false,
      mayBe: [],
    });
    expect(dossier.receivedAt).toBe(sample.receivedAt.toISO({ suppressMilliseconds: true }));
    expect(dossier.receivedAt).toMatch(/\+07:00$/);
    expect(dossier.returnedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/);
    expect(dossier.agency).toEqual({
      code: sample.agency.code,
      name: sample.agency.name,
      validTo: sample.agency.validTo,
    });
    // Masked: the family name and initials, two and two digits of the phone, no summary or links.
    const [family, ...rest] = sample.applicant.name.split(' ');
    expect(dossier.applicant.name).toBe(
      [family, ...rest.map((w) => w[0] + '*'.repeat([...w].length - 1))].join(' '),
    );
    expect(dossier.applicant.phone).toBe(
      `${sample.applicant.phone.slice(0, 2)}******${sample.applicant.phone.slice(-2)}`,
    );
    expect(dossier.applicant.ids).toEqual([
      { type: '1', number: `*********${sample.applicant.idNumber.slice(-3)}` },
    ]);
    expect(dossier.applicant.email).toMatch(/^.\*\*\*@gmail\.com$/);
    expect(dossier.summary).toBeNull();
    expect(
      dossier.files.every(
        (file: { url: unknown; name: unknown }) => file.url === null && file.name === null,
      ),
    ).toBe(true);
    expect(dossier.results[0].url).toBeNull();
    expect(dossier.personalDataMasked).toBe(true);
    expect(JSON.stringify(dossier)).not.toContain(sample.applicant.phone);
    expect(dossier.source).toMatchObject({
      connector: 'thanh-hoa-motcua',
      connectorName: 'Hệ thống giải quyết TTHC tỉnh Thanh Hóa (mẫu)',
      cached: false,
      routedVia: [],
      warnings: [],
    });
    expect(dossier.source.fetchedAt).toMatch(/\+07:00$/);
  });

  it('answers a ministry dossier sent in the national sync format', async () => {
    const [code] = findCodes(
      t.samples.ministry.dataset,
      1,
      (d) => d.fees.length > 0 && d.history.length >= 3,
      '000.00.20.G09',
    );
    const sample = t.samples.ministry.dataset.get(code as string)!;
    const [item] = await lookup([code as string]);
    const dossier = item?.dossier as Record<string, any>;
    expect(dossier.source.connector).toBe('bo-noi-vu-dvc');
    expect(dossier.status.code).toBe(sample.status);
    expect(dossier.status.raw).toBe(String(sample.status));
    expect(dossier.channel).toEqual({
      value: ['IN_PERSON', 'ONLINE', 'POSTAL'][sample.channel - 1],
      code: sample.channel,
      raw: String(sample.channel),
    });
    expect(dossier.fees).toEqual([
      {
        name: sample.procedure.feeName,
        amount: sample.procedure.fee,
        charged: true,
        text: String(sample.procedure.fee),
      },
    ]);
    expect(dossier.history).toHaveLength(sample.history.length);
    expect(dossier.history[0]).toMatchObject({
      at: sample.history[0]?.at.toISO({ suppressMilliseconds: true }),
      status: { value: 'RECEIVED', raw: '2' },
    });
    // The system sends its history newest first; the answer has it oldest first, whole.
    expect(dossier.history.map((step: { content: string }) => step.content)).toEqual(
      sample.history.map((step) => step.content),
    );
    expect(dossier.handlingUnit).toBe('Cục Việc làm');
  });

  it('serves a repeated lookup from the cache, without calling the system', async () => {
    const [code] = findCodes(t.samples.ministry.dataset, 1, (d) => d.status === 10);
    const first = await lookup([code as string]);
    const calls = takeStats(t.samples.ministry);
    const second = await lookup([code as string]);
    expect(calls.bulkCalls).toBe(1);
    expect(takeStats(t.samples.ministry).bulkCalls).toBe(0);
    expect(second[0]?.dossier?.source.cached).toBe(true);
    expect(second[0]?.dossier?.source.fetchedAt).toBe(first[0]?.dossier?.source.fetchedAt);
  });

  it('routes codes of a district closed by the 2025 mergers to its successor, and a merged ministry to its successor', async () => {
    const [district] = findCodes(t.samples.provincial.dataset, 1, () => true, '000.00.22.H56');
    const [ministry] = findCodes(t.samples.ministry.dataset, 1, () => true, '000.00.00.G07');
    const items = await lookup([district as string, ministry as string]);
    expect(items[0]?.dossier?.agency).toMatchObject({
      code: '000.00.22.H56',
      name: 'UBND huyện Quảng Xương',
      validTo: '2025-06-30',
    });
    expect(items[0]?.dossier?.source).toMatchObject({
      connector: 'thanh-hoa-motcua',
      routedVia: ['000.01.70.H56'],
    });
    expect(items[1]?.dossier?.source).toMatchObject({
      connector: 'bo-noi-vu-dvc',
      routedVia: ['000.00.00.G09'],
    });
  });

  it('says which agency holds a dossier now: the successor it was routed to, or its own agency', async () => {
    const [district] = findCodes(t.samples.provincial.dataset, 1, () => true, '000.00.22.H56');
    const [direct] = findCodes(t.samples.provincial.dataset, 1, () => true, '000.00.01.H56');
    const answer = await t.query<{
      dossiers: Array<{ dossier: { agency: { code: string }; heldBy: { code: string } } }>;
    }>(
      'query ($c: [String!]!) { dossiers(codes: $c) { dossier { agency { code } heldBy { code validTo } } } }',
      { c: [district, direct] },
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.dossiers.map((item) => item.dossier)).toEqual([
      { agency: { code: '000.00.22.H56' }, heldBy: { code: '000.01.70.H56', validTo: null } },
      { agency: { code: '000.00.01.H56' }, heldBy: { code: '000.00.01.H56', validTo: null } },
    ]);
  });

  it('marks declared lossy and unmapped statuses, keeping the raw value', async () => {
    const [collapsed] = findCodes(
      t.samples.provincial.dataset,
      1,
      (d) => d.status === 6,
      '000.00.22.H56',
    );
    const [unmapped] = findCodes(
      t.samples.provincial.dataset,
      1,
      (d) => d.status === 10 && d.channel === 3,
    );
    const items = await lookup([collapsed as string, unmapped as string]);
    expect(items[0]?.dossier?.status).toEqual({
      value: 'PROCESSING',
      code: 4,
      label: 'Đang xử lý',
      raw: 'processing',
      lossy: true,
      mayBe: ['PROCESSING', 'SUPPLEMENT_REQUESTED', 'PAYMENT_REQUESTED'],
    });
    expect(items[1]?.dossier?.status).toEqual({
      value: null,
      code: null,
      label: null,
      raw: 'posting',
      lossy: true,
      mayBe: [],
    });
    expect(items[1]?.dossier?.source.warnings).toContainEqual({
      field: 'status',
      problem: `status "posting" is not in the registration's status table`,
    });
  });

  it('answers every kind of bad input as an item error, in order, beside good answers', async () => {
    const [good] = findCodes(t.samples.provincial.dataset, 1);
    const items = await lookup([
      'not a code',
      '000.00.99.H56-240101-0001',
      '000.00.00.G22-240101-0001',
      '000.00.01.H56-240101-9999',
      good as string,
    ]);
    expect(items.map((item) => item.error?.code ?? 'OK')).toEqual([
      'BAD_USER_INPUT',
      'UNKNOWN_AGENCY',
      'NO_CONNECTOR',
      'DOSSIER_NOT_FOUND',
      'OK',
    ]);
    expect(items[0]?.error).toEqual({
      code: 'BAD_USER_INPUT',
      message: expect.stringContaining('"not a code" is not a dossier code'),
      connector: null,
      retryable: false,
    });
    expect(items[3]?.error).toMatchObject({ connector: 'thanh-hoa-motcua', retryable: false });
    expect(items.map((item) => item.code)).toEqual([
      'not a code',
      '000.00.99.H56-240101-0001',
      '000.00.00.G22-240101-0001',
      '000.00.01.H56-240101-9999',
      good,
    ]);
  });

  it('reports a single lookup failure in extensions.code', async () => {
    const answer = await t.query(`{ dossier(code: "000.00.99.H56-240101-0001") { code } }`);
    expect(answer.data).toEqual({ dossier: null });
    expect(answer.errors?.[0]).toMatchObject({
      message: expect.stringContaining('000.00.99.H56'),
      extensions: { code: 'UNKNOWN_AGENCY', details: { connector: null, retryable: false } },
    });
  });

  it('refuses more than 500 codes in one operation, counting lists and aliased fields together, before calling anyone', async () => {
    const list = await t.query(`query ($codes: [String!]!) { dossiers(codes: $codes) { code } }`, {
      codes: Array.from({ length: 501 }, (_, i) => `x${i}`),
    });
    expect(list.errors?.[0]).toMatchObject({
      message: expect.stringContaining('asks for 501 dossier codes; at most 500 per operation'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const codes = findCodes(t.samples.provincial.dataset, 401);
    const aliases = Array.from(
      { length: 100 },
      (_, i) => `a${i}: dossier(code: "${codes[i % codes.length]}") { code }`,
    ).join(' ');
    const mixed = await t.query(
      `query ($codes: [String!]!) { dossiers(codes: $codes) { code } ...more } fragment more on Query { ${aliases} }`,
      { codes },
    );
    expect(mixed.errors?.[0]?.message).toContain('asks for 501 dossier codes');
    expect(mixed.data).toBeUndefined();
    expect(takeStats(t.samples.provincial).codesRequested).toBe(0);
  });

  it('fails only the unreadable record of a bulk answer', async () => {
    const codes = findCodes(
      t.samples.provincial.dataset,
      3,
      (d) => d.status === 4,
      '000.00.10.H56',
    );
    t.samples.provincial.faults.brokenCodes.add(codes[1] as string);
    try {
      const items = await lookup(codes);
      expect(items.map((item) => item.error?.code ?? 'OK')).toEqual([
        'OK',
        'UPSTREAM_BAD_RESPONSE',
        'OK',
      ]);
      expect(items[1]?.error).toMatchObject({
        connector: 'thanh-hoa-motcua',
        retryable: false,
        message: expect.stringContaining('has no status'),
      });
    } finally {
      t.samples.provincial.faults.brokenCodes.clear();
    }
  });

  it('answers a failing system as retryable errors for its codes only', async () => {
    const [provincial] = findCodes(t.samples.provincial.dataset, 1, (d) => d.status === 2);
    const [ministry] = findCodes(t.samples.ministry.dataset, 1, (d) => d.status === 2);
    t.samples.provincial.faults.htmlErrorStatus = 503;
    try {
      const items = await lookup([provincial as string, ministry as string]);
      expect(items[0]?.error).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        connector: 'thanh-hoa-motcua',
        retryable: true,
      });
      expect(items[1]?.dossier?.code).toBe(ministry);
    } finally {
      t.samples.provincial.faults.htmlErrorStatus = null;
    }
  });
});

describe('Dossier lookup: the SOAP land registration system', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => {
    await t.close();
  });

  const lookup = async (codes: string[]) => {
    const answer = await t.query<{ dossiers: Item[] }>(
      `query ($codes: [String!]!) { dossiers(codes: $codes) { code dossier { ${DOSSIER_FIELDS} } error { code message connector retryable } } }`,
      { codes },
    );
    expect(answer.errors).toBeUndefined();
    return answer.data?.dossiers as Item[];
  };

  it('routes its units past the province-wide system, and closed branches and departments to their successors', async () => {
    const land = t.samples.land.dataset;
    const [office] = findCodes(land, 1, () => true, '000.01.12.H56');
    const [branch] = findCodes(land, 1, () => true, '000.21.12.H56');
    const [department] = findCodes(land, 1, () => true, '000.00.11.H56');
    const items = await lookup([office as string, branch as string, department as string]);
    expect(items.map((item) => item.dossier?.source.connector)).toEqual([
      'thanh-hoa-datdai',
      'thanh-hoa-datdai',
      'thanh-hoa-datdai',
    ]);
    expect(items.map((item) => item.dossier?.source.routedVia)).toEqual([
      [],
      ['000.30.12.H56'],
      ['000.00.12.H56'],
    ]);
  });

  it('marks the 9 its district branches report as lossy, and only theirs (statuses.byAgency); brings decomposed names to NFC', async () => {
    const land = t.samples.land.dataset;
    const [collapsed] = findCodes(land, 1, (d) => d.status === 6, '000.21.12.H56');
    const [decomposed] = findCodes(land, 1, (d) => d.code.endsWith('2'), '000.01.12.H56');
    const [exact] = findCodes(land, 1, (d) => d.status === 9, '000.01.12.H56');
    const items = await lookup([collapsed as string, decomposed as string, exact as string]);
    // A unit outside the branches reports 9 for 9 alone: not lossy.
    expect(items[2]?.dossier?.status).toEqual({
      value: 'FINISHED',
      code: 9,
      label: 'Đã xử lý xong',
      raw: '9',
      lossy: false,
      mayBe: [],
    });
    expect(items[0]?.dossier?.status).toEqual({
      value: 'FINISHED',
      code: 9,
      label: 'Đã xử lý xong',
      raw: '9',
      lossy: true,
      mayBe: ['SUPPLEMENT_REQUESTED', 'PAYMENT_REQUESTED', 'STOPPED', 'FINISHED'],
    });
    const name = items[1]?.dossier?.procedureName as string;
    expect(name).toBe(land.get(decomposed as string)?.procedure.name);
    expect(name).toBe(name.normalize('NFC'));
  });

  it('decodes old TCVN3 summaries (seen unmasked through the connector) and says so', async () => {
    const land = t.samples.land.dataset;
    const [old] = findCodes(
      land,
      1,
      (d) => d.receivedAt.year === 2024 && d.code.endsWith('1') && /[^ -~]/.test(d.summary),
      '000.01.12.H56',
    );
    const runtime = t.gateway.registry.runtime('thanh-hoa-datdai');
    const [outcome] = await runtime!.getDossiers([old as string], {
      signal: new AbortController().signal,
      requestId: 'test',
    });
    expect(outcome?.kind).toBe('found');
    const dossier = (outcome as { dossier: { summary: string; warnings: unknown[] } }).dossier;
    // TCVN3 has no toned capitals: the first letter may come back in lower case.
    expect(dossier.summary.toLowerCase()).toBe(land.get(old as string)?.summary.toLowerCase());
    expect(dossier.warnings).toContainEqual({ field: 'summary', problem: 'decoded from TCVN3' });
  });

  it('answers a well-formed code of a day outside every sample system’s data as not found, on all three', async () => {
    const items = await lookup([
      '000.00.01.H56-991231-0001',
      '000.00.20.G09-990924-0001',
      '000.30.12.H56-991231-0001',
      '000.00.20.G09-231231-0001',
    ]);
    expect(items.map((item) => [item.error?.code ?? 'OK', item.error?.connector])).toEqual([
      ['DOSSIER_NOT_FOUND', 'thanh-hoa-motcua'],
      ['DOSSIER_NOT_FOUND', 'bo-noi-vu-dvc'],
      ['DOSSIER_NOT_FOUND', 'thanh-hoa-datdai'],
      ['DOSSIER_NOT_FOUND', 'bo-noi-vu-dvc'],
    ]);
  });

  it('answers a not-found fault as DOSSIER_NOT_FOUND and counts one bulk call per 20 codes', async () => {
    const codes = findCodes(t.samples.land.dataset, 45, () => true, '000.30.12.H56'); // none cached yet
    takeStats(t.samples.land);
    const items = await lookup([...codes, '000.01.12.H56-240101-9999']);
    expect(items.filter((item) => item.error !== null).map((item) => item.error?.code)).toEqual([
      'DOSSIER_NOT_FOUND',
    ]);
    expect(takeStats(t.samples.land)).toMatchObject({ bulkCalls: 3, codesRequested: 46 });
  });
});

describe('Agencies: the temporal directory', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => {
    await t.close();
  });

  it('resolves a short code, with successors, predecessors and the system it routes to', async () => {
    const answer = await t.query<{ agency: Record<string, any>; commune: Record<string, any> }>(`{
      agency(code: "H56.22") { code name level active validTo parent { code } successors { agency { code name } from scope } connector { id kind } }
      commune: agency(code: "000.01.70.H56") { predecessors { code } active units { code } }
    }`);
    expect(answer.data?.agency).toEqual({
      code: '000.00.22.H56',
      name: 'UBND huyện Quảng Xương',
      level: 2,
      active: false,
      validTo: '2025-06-30',
      parent: { code: '000.00.00.H56' },
      successors: [
        {
          agency: { code: '000.01.70.H56', name: 'UBND xã Quảng Hòa Ninh' },
          from: '2025-07-01',
          scope: 'địa bàn các xã Quảng Hòa, Quảng Ninh cũ',
        },
        {
          agency: { code: '000.02.70.H56', name: 'UBND xã Quảng Xương' },
          from: '2025-07-01',
          scope: 'địa bàn còn lại của huyện',
        },
      ],
      connector: { id: 'thanh-hoa-motcua', kind: 'rest-json' },
    });
    expect(answer.data?.commune).toEqual({
      predecessors: [
        { code: '000.00.22.H56' },
        { code: '000.17.22.H56' },
        { code: '000.18.22.H56' },
      ],
      active: true,
      units: [],
    });
  });

  it('searches names without regard to diacritics, and pages with a stable cursor', async () => {
    const search = await t.query<{ agencies: any }>(
      `{ agencies(search: "huyen quang xuong", first: 1) { totalCount nodes { code } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(search.data?.agencies).toMatchObject({
      totalCount: 2,
      nodes: [{ code: '000.00.22.H56' }],
      pageInfo: { hasNextPage: true },
    });
    const next = await t.query<{ agencies: any }>(
      `query ($after: String) { agencies(search: "HUYỆN QUẢNG XƯƠNG", first: 1, after: $after) { nodes { code } pageInfo { hasNextPage } } }`,
      { after: search.data?.agencies.pageInfo.endCursor },
    );
    expect(next.data?.agencies).toEqual({
      nodes: [{ code: '000.21.12.H56' }],
      pageInfo: { hasNextPage: false },
    });
  });

  it('refuses a malformed agency code and an impossible date, and finds agencies by short code', async () => {
    const bad = await t.query(`{ agency(code: "h56.22") { code } }`);
    expect(bad.errors?.[0]).toMatchObject({
      message: expect.stringContaining('"h56.22" is not an agency code'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect((await t.query(`{ agency(code: "H56.99") { code } }`)).data).toEqual({ agency: null });
    const impossible = await t.query(`{ agencies(activeOn: "2025-06-31") { totalCount } }`);
    expect(impossible.errors?.[0]?.message).toContain(
      'Date must be a string like 2025-07-01, got "2025-06-31"',
    );
    const short = await t.query<{ agencies: any }>(
      `{ agencies(search: "H56.22") { nodes { code } } }`,
    );
    expect(short.data?.agencies.nodes[0]).toEqual({ code: '000.00.22.H56' });
  });

  it('filters by date of validity and level, and refuses a bad cursor', async () => {
    const active = await t.query<{ agencies: any }>(
      `{ agencies(activeOn: "2026-01-01", level: 1) { nodes { code } } }`,
    );
    expect(active.data?.agencies.nodes.map((n: { code: string }) => n.code)).toEqual([
      '000.00.00.G09',
      '000.00.00.G18',
      '000.00.00.G22',
      '000.00.00.H56',
      // Tuyên Quang after the merger; Hà Giang (000.00.00.H47) closed on 2025-06-30.
      '000.00.00.H60',
    ]);
    const bad = await t.query(`{ agencies(after: "bm9wZQ") { totalCount } }`);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
