import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { CompiledOperations } from '../../src/server/compiledOperations';
import type { Role } from '../../src/auth/roles';
import { findCodes } from '../support/sampleCodes';
import { startTestGateway, type TestGateway } from '../support/testGateway';

/**
 * Known queries run compiled (graphql-jit) instead of through Apollo's pipeline. The promise is
 * that nobody can tell: for each request below, a gateway running every query through Apollo
 * (COMPILE_QUERIES=off) and one running it compiled answer the same status, content type and
 * bytes. Both read the same sample systems with the same clock and no cache, so answers are
 * deterministic. A query text runs compiled from its second sighting; the spy checks which path
 * answered each time.
 */
describe('Compiled queries answer exactly what Apollo answers', () => {
  let samples: SampleSystems;
  let apollo: TestGateway;
  let compiled: TestGateway;
  let provincial: string[];
  let ministry: string[];
  const now = () => new Date('2026-11-20T03:00:00.000Z');
  const get = jest.spyOn(CompiledOperations.prototype, 'get');

  beforeAll(async () => {
    samples = await startSampleSystems({ size: 3000, seed: 2025 });
    apollo = await startTestGateway({
      samples,
      now,
      env: { CACHE: 'none', COMPILE_QUERIES: 'off' },
    });
    compiled = await startTestGateway({ samples, now, env: { CACHE: 'none' } });
    provincial = findCodes(samples.provincial.dataset, 3);
    ministry = findCodes(samples.ministry.dataset, 2);
  });
  afterAll(async () => {
    await apollo.close();
    await compiled.close();
    await samples.close();
    get.mockRestore();
  });

  const EVERYTHING = `fragment everything on Dossier {
    __typename code procedureCode procedureName fieldCode fieldName handlingUnit summary
    agency { code name level } channel { value code raw }
    applicant { name type ids { type number } phone email address }
    files { name url } receivedAt dueAt finishedAt returnedAt
    status { value code label raw lossy mayBe }
    history { at actor actorTitle department content status { value raw } startedAt dueAt }
    fees { name amount } results { name number issuedAt url }
    supplements { requestedAt dueBefore dueAfter reason }
    personalDataMasked
    source { connector connectorName fetchedAt cached stale staleReason staleSince routedVia warnings { field problem } }
  }`;

  interface Answer {
    status: number;
    type: string | null;
    /** Every header but those that differ per request by design (date, request id). */
    headers: Array<[string, string]>;
    body: string;
  }

  async function post(
    t: TestGateway,
    role: Role,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': t.keys[role], ...headers },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      headers: [...response.headers].filter(([name]) => name !== 'date' && name !== 'x-request-id'),
      body: await response.text(),
    };
  }

  /** Sends the request to both gateways (twice to the compiling one) and compares the answers. */
  async function same(
    role: Role,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<{ answer: Answer; ranCompiled: boolean }> {
    const expected = await post(apollo, role, body, headers);
    const first = await post(compiled, role, body, headers);
    get.mockClear();
    const second = await post(compiled, role, body, headers);
    const ranCompiled = get.mock.results.some((result) => result.value !== undefined);
    expect(first).toEqual(expected);
    expect(second).toEqual(expected);
    return { answer: second, ranCompiled };
  }

  it('a portal lookup of every field (masked), compiled', async () => {
    const { answer, ranCompiled } = await same('portal', {
      query: `query ($code: String!) { dossier(code: $code) { ...everything } } ${EVERYTHING}`,
      variables: { code: provincial[0] },
    });
    expect(ranCompiled).toBe(true);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).data.dossier.personalDataMasked).toBe(true);
  });

  it('a list over two systems with malformed, unknown-agency and missing codes (item errors)', async () => {
    const { answer, ranCompiled } = await same('admin', {
      query: `query Many($codes: [String!]!) { dossiers(codes: $codes) { __typename code error { code message connector retryable } dossier { ...everything } } } ${EVERYTHING}`,
      operationName: 'Many',
      variables: {
        codes: [
          provincial[1],
          ministry[0],
          'not a code',
          '000.00.00.Z99-250101-0001',
          `${(provincial[0] as string).slice(0, -4)}9999`,
        ],
      },
    });
    expect(ranCompiled).toBe(true);
    const items = JSON.parse(answer.body).data.dossiers as Array<{
      error: { code: string } | null;
    }>;
    expect(items.map((item) => item.error?.code ?? null)).toEqual([
      null,
      null,
      'BAD_USER_INPUT',
      'UNKNOWN_AGENCY',
      'DOSSIER_NOT_FOUND',
    ]);
  });

  it('a failed lookup: errors with path, locations and code beside partial data', async () => {
    const { answer, ranCompiled } = await same('portal', {
      query: `{ ok: dossier(code: "${provincial[2]}") { code } bad: dossier(code: "000.00.00.Z99-250101-0001") { code } }`,
    });
    expect(ranCompiled).toBe(true);
    const parsed = JSON.parse(answer.body);
    expect(parsed.errors[0]).toMatchObject({
      path: ['bad'],
      extensions: { code: 'UNKNOWN_AGENCY' },
    });
    expect(parsed.data.ok.code).toBe(provincial[2]);
  });

  it('aliases, @include and @skip with variables, inline fragments, a named operation among two', async () => {
    const { ranCompiled } = await same('portal', {
      query: `query Other { agencies(first: 1) { __typename } }
        query Lookups($a: String!, $b: String!, $with: Boolean!) {
          first: dossier(code: $a) { code applicant @include(if: $with) { name phone } status @skip(if: $with) { raw } }
          second: dossier(code: $b) { ... on Dossier { code receivedAt } }
          __typename
        }`,
      operationName: 'Lookups',
      variables: { a: provincial[0], b: ministry[1], with: true },
    });
    expect(ranCompiled).toBe(true);
  });

  it("an auditor's unmasked read with a purpose (audited on both), and other root fields", async () => {
    const { answer, ranCompiled } = await same('auditor', {
      query: `query ($code: String!) { dossier(code: $code, purpose: "Thanh tra hồ sơ theo QĐ 123/QĐ-TTCP") { code personalDataMasked applicant { name } } agencies(search: "thanh hoa", first: 2) { __typename } }`,
      variables: { code: provincial[1] },
    });
    expect(ranCompiled).toBe(true);
    expect(JSON.parse(answer.body).data.dossier.personalDataMasked).toBe(false);
  });

  it('refusals by role and scope: FORBIDDEN as errors, as Apollo answers them', async () => {
    const forbiddenField = await same('portal', { query: '{ apiKeys { name } }' });
    expect(forbiddenField.ranCompiled).toBe(true);
    expect(JSON.parse(forbiddenField.answer.body).errors[0].extensions.code).toBe('FORBIDDEN');
    const outOfScope = await same('province-it', {
      query: `{ dossier(code: "${ministry[0]}") { code } }`,
    });
    expect(outOfScope.ranCompiled).toBe(true);
  });

  it('the answer type follows Accept as Apollo chooses it (406 when nothing fits)', async () => {
    const query = { query: `{ dossier(code: "${provincial[0]}") { code } }` };
    const preferred = await same('portal', query, {
      accept: 'application/graphql-response+json, application/json;q=0.9',
    });
    expect(preferred.answer.type).toBe('application/graphql-response+json; charset=utf-8');
    const refused = await same('portal', query, { accept: 'text/html' });
    expect(refused.answer.status).toBe(406);
    expect(refused.ranCompiled).toBe(false);
  });

  it('requests Apollo must answer still get its answers: bad variables, too many codes, mutations, introspection, invalid documents', async () => {
    const list = `query ($codes: [String!]!) { dossiers(codes: $codes) { code } }`;
    const missing = await same('portal', { query: list });
    expect(missing.answer.status).toBe(400);
    const wrongType = await same('portal', { query: list, variables: { codes: 5 } });
    expect(wrongType.answer.status).toBe(400);
    const single = await same('portal', { query: list, variables: { codes: provincial[0] } });
    expect(single.answer.status).toBe(200); // one string is read as a list of one
    const tooMany = await same('portal', {
      query: list,
      variables: { codes: Array.from({ length: 501 }, (_, i) => `${provincial[0]}${i}`) },
    });
    expect(tooMany.answer.status).toBe(400);
    expect(tooMany.ranCompiled).toBe(true); // compiled, but the code limit sends it to Apollo
    const mutation = await same('admin', {
      query: 'mutation { revokeApiKey(id: "no-such-key") { id } }',
    });
    expect(mutation.ranCompiled).toBe(false);
    const introspection = await same('portal', { query: '{ __schema { queryType { name } } }' });
    expect(introspection.ranCompiled).toBe(false);
    const invalid = await same('portal', { query: '{ dossier(code: "x") { noSuchField } }' });
    expect(invalid.answer.status).toBe(400);
    expect(invalid.ranCompiled).toBe(false);
  });

  it('texts that differ only in codes written inline share one compiled shape; errors point into each text', async () => {
    const text = (first: string) =>
      `{ a: dossier(code: "${first}") { code } b: dossier(code: "000.00.00.Z99-250101-0001") { code } }`;
    // The shape is compiled from the first text (sent twice)…
    await same('portal', { query: text(provincial[0] as string) });
    // …and runs a text of the same shape at its first sighting, where the failing field sits
    // further right: the error's location is this text's, as Apollo gives it.
    const expected = await post(apollo, 'portal', { query: text(provincial[1] as string) });
    get.mockClear();
    const answer = await post(compiled, 'portal', { query: text(provincial[1] as string) });
    expect(get.mock.results.some((result) => result.value !== undefined)).toBe(true);
    expect(answer).toEqual(expected);
    // A code of another length moves field b: still Apollo's location.
    const other = 'not a code';
    const expectedOther = await post(apollo, 'portal', { query: text(other) });
    get.mockClear();
    const answerOther = await post(compiled, 'portal', { query: text(other) });
    expect(get.mock.results.some((result) => result.value !== undefined)).toBe(true);
    expect(answerOther).toEqual(expectedOther);
    const errors = JSON.parse(answerOther.body).errors as Array<{
      path: string[];
      locations: unknown;
    }>;
    expect(errors.find((error) => error.path[0] === 'b')?.locations).toEqual([
      { line: 1, column: text(other).indexOf('b: dossier') + 1 },
    ]);
  });

  it('a shape compiled from a text with other operations in it: errors still point into each text', async () => {
    const failing = (code: string) => `query L { bad: dossier(code: "${code}") { code } }`;
    // Compiled from a text holding another operation before the one asked for…
    await same('portal', {
      query: `query Other { agencies(first: 1) { __typename } } ${failing('000.00.00.Z99-250101-0001')}`,
      operationName: 'L',
    });
    // …and run for a text of only that operation: its error's location is its own.
    const body = { query: failing('000.00.00.Z99-250101-0002'), operationName: 'L' };
    const expected = await post(apollo, 'portal', body);
    get.mockClear();
    const answer = await post(compiled, 'portal', body);
    expect(get.mock.results.some((result) => result.value !== undefined)).toBe(true);
    expect(answer).toEqual(expected);
  });

  it('a text with the tokens of one prepared before runs compiled at first sight, as Apollo answers it', async () => {
    // Codes inline (a list too, and a block string), spread over lines that differ per text, and a
    // variable whose default is a string: only the strings taken out as codes may differ.
    const text = (codes: string[], breakAt: string, fallback: string) =>
      `query Few($c: String = "${fallback}") {${breakAt}a: dossier(code: "${codes[0]}") { code status { code } }` +
      `${breakAt}b: dossiers(codes: ["${codes[1]}", "${codes[2]}"]) { code error { code } }` +
      `${breakAt}c: dossier(code: """${codes[3]}""") { code }${breakAt}d: dossier(code: $c) { code } }`;
    const first = text(
      [provincial[0], provincial[1], 'not a code', ministry[0]] as string[],
      ' ',
      provincial[2] as string,
    );
    await same('portal', { query: first });
    const cases = [
      // Other codes, other line breaks: from the template.
      {
        query: text(
          ['not a code', 'nope', provincial[2], provincial[0]] as string[],
          '\r\n  ',
          provincial[2] as string,
        ),
        fromTemplate: true,
      },
      // Another default for $c: not a code taken out, so another document: parsed and validated,
      // a shape seen for the first time (Apollo answers).
      {
        query: text(
          [provincial[0], provincial[1], 'not a code', ministry[0]] as string[],
          ' ',
          ministry[0] as string,
        ),
        fromTemplate: false,
      },
    ];
    // `prepare` parses and validates a text; a text from a template is not prepared.
    const prepare = jest.spyOn(
      CompiledOperations.prototype as unknown as { prepare: () => unknown },
      'prepare',
    );
    try {
      for (const { query, fromTemplate } of cases) {
        const expected = await post(apollo, 'portal', { query });
        get.mockClear();
        prepare.mockClear();
        const answer = await post(compiled, 'portal', { query });
        expect(answer).toEqual(expected);
        expect(get.mock.results.some((result) => result.value !== undefined)).toBe(fromTemplate);
        expect(prepare).toHaveBeenCalledTimes(fromTemplate ? 0 : 1);
      }
    } finally {
      prepare.mockRestore();
    }
    // The first case's bad code: an error located in its own text (its second line).
    const errors = JSON.parse((await post(compiled, 'portal', { query: cases[0]?.query })).body)
      .errors as Array<{ path: string[]; locations: unknown }>;
    expect(errors.find((error) => error.path[0] === 'a')?.locations).toEqual([
      { line: 2, column: 3 },
    ]);
  });

  it('texts whose codes decide their validity, or asked with an empty operation name, are answered as Apollo answers them', async () => {
    // One response name, two fields: valid only while both ask for the same code.
    const twice = (a: string, b: string) =>
      `{ a: dossier(code: "${a}") { code } a: dossier(code: "${b}") { status { code } } }`;
    const code = provincial[0] as string;
    await same('portal', { query: twice(code, code) });
    const other = twice(code, provincial[1] as string);
    const expected = await post(apollo, 'portal', { query: other });
    expect(expected.status).toBe(400);
    expect(await post(compiled, 'portal', { query: other })).toEqual(expected);
    // "" names no operation of the text: Apollo's error, though a text of these tokens without a
    // name runs compiled.
    const lookup = (c: string) => `{ dossier(code: "${c}") { code } }`;
    await same('portal', { query: lookup(code) });
    const named = { query: lookup(provincial[1] as string), operationName: '' };
    const expectedNamed = await post(apollo, 'portal', named);
    expect(expectedNamed.status).toBe(400);
    expect(await post(compiled, 'portal', named)).toEqual(expectedNamed);
  });

  it('requests are counted in metrics as Apollo counts them', async () => {
    const counts = async (t: TestGateway) =>
      new Map(
        [
          ...(await t.gateway.metrics.exposition()).body.matchAll(
            /^dvcgw_graphql_requests_total\{([^}]*)\} (\d+)$/gm,
          ),
        ].map((m) => [m[1] as string, Number(m[2])]),
      );
    const before = [await counts(apollo), await counts(compiled)] as const;
    await same('portal', { query: `{ dossier(code: "${provincial[2]}") { code } }` });
    await same('portal', { query: '{ dossier(code: "000.00.00.Z99-250101-0001") { code } }' });
    await same('portal', { query: '{ apiKeys { name } }' });
    const delta = (now: Map<string, number>, then: Map<string, number>, times: number) =>
      [...now]
        .map(([labels, n]) => [labels, (n - (then.get(labels) ?? 0)) / times] as const)
        .filter(([, n]) => n > 0);
    const fromApollo = delta(await counts(apollo), before[0], 1);
    // Each request went twice to the compiling gateway (Apollo, then compiled).
    const fromCompiled = delta(await counts(compiled), before[1], 2);
    expect(fromApollo).toHaveLength(3);
    expect(fromCompiled).toEqual(fromApollo);
  });
});
