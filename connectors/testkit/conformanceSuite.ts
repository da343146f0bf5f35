import nock from 'nock';
import type { ConnectorDeps, ConnectorKind, DossierResult } from '../contract';
import { ConnectorError } from '../ConnectorError';

/** What one upstream call answers, in terms the subject turns into its own wire format. */
export type UpstreamReply =
  | { kind: 'records'; records: unknown[] }
  | { kind: 'raw'; status: number; body: string; contentType: string };

/** A connector kind under test, with a fake of its upstream built on nock. */
export interface ConformanceSubject {
  /** Shown in test titles, e.g. `rest-json (bulk)`. */
  name: string;
  kind: ConnectorKind<unknown>;
  /** The registration's `config` section, as a file would hold it. */
  config: unknown;
  /** Base URL the connector is registered with; it must carry a path (`http://upstream.test/api/v2`). */
  baseUrl: string;
  /** A valid upstream record for a code. */
  record(code: string): unknown;
  /** A record for the code that cannot be read as a dossier (no status), keeping its code. */
  brokenRecord(code: string): unknown;
  /**
   * Intercepts the kind's lookup calls under `baseUrl`: for each call, passes the codes it asked
   * for to `reply` and answers in the upstream's format (`records` of a single lookup that are
   * empty mean "not found").
   */
  intercept(scope: nock.Scope, reply: (codes: string[]) => UpstreamReply, delayMs: number): void;
}

export interface ConformanceOptions {
  /** Builds the deps a gateway would hand the connector: an HTTP client bound to `baseUrl`. */
  createDeps(baseUrl: string, timeoutMs: number): ConnectorDeps;
}

const CODES = [
  '000.00.01.H99-250101-0001',
  '000.00.01.H99-250101-0002',
  '000.00.01.H99-250101-0003',
  '000.00.01.H99-250101-0004',
];
const UNKNOWN = '000.00.01.H99-250101-0099';

/**
 * The suite every connector kind passes (after Apollo's defineIntegrationTestSuite):
 * order and length kept, unknown code is null, timeouts, 5xx and garbage become typed errors for
 * the items of that call only, and nothing is called outside the configured base URL.
 */
export function defineConnectorConformanceSuite(
  subject: ConformanceSubject,
  options: ConformanceOptions,
): void {
  describe(`Connector conformance: ${subject.name}`, () => {
    const base = new URL(subject.baseUrl);
    let scope: nock.Scope;
    let seen: URL[];

    beforeAll(() => nock.disableNetConnect());
    afterAll(() => nock.enableNetConnect());
    beforeEach(() => {
      nock.cleanAll();
      seen = [];
      scope = nock(base.origin);
      scope.on('request', (request: { path: string }) =>
        seen.push(new URL(request.path, base.origin)),
      );
    });
    afterEach(() => {
      expect(scope.isDone()).toBe(true);
      expect(nock.pendingMocks()).toEqual([]);
      nock.cleanAll();
    });

    const connector = (timeoutMs = 2000) => {
      const parsed = subject.kind.configSchema.parse(subject.config);
      return subject.kind.create(parsed, options.createDeps(subject.baseUrl, timeoutMs));
    };
    const call = () => ({ signal: new AbortController().signal, requestId: 'conformance' });
    const known = (codes: string[]): UpstreamReply => ({
      kind: 'records',
      records: codes.filter((code) => CODES.includes(code)).map((code) => subject.record(code)),
    });
    const codeOf = (result: DossierResult | undefined) =>
      result === null || result === undefined || result instanceof ConnectorError
        ? result
        : result.code;

    it('keeps the order and length of the codes, and answers null for an unknown code', async () => {
      subject.intercept(scope, known, 0);
      const asked = [CODES[2], CODES[0], UNKNOWN, CODES[3]] as string[];
      const results = await connector().getDossiers(asked, call());
      expect(results.map(codeOf)).toEqual([CODES[2], CODES[0], null, CODES[3]]);
    });

    it('answers the same code twice when asked twice', async () => {
      subject.intercept(scope, known, 0);
      const results = await connector().getDossiers(
        [CODES[1] as string, CODES[1] as string],
        call(),
      );
      expect(results.map(codeOf)).toEqual([CODES[1], CODES[1]]);
    });

    it('turns a timeout into UPSTREAM_TIMEOUT, retryable', async () => {
      subject.intercept(scope, known, 400);
      const results = await connector(100).getDossiers([CODES[0] as string], call());
      expect(results[0]).toBeInstanceOf(ConnectorError);
      expect(results[0]).toMatchObject({ code: 'UPSTREAM_TIMEOUT', retryable: true });
    });

    it('turns a 5xx into UPSTREAM_UNAVAILABLE, retryable, for every code of the call', async () => {
      subject.intercept(
        scope,
        () => ({
          kind: 'raw',
          status: 503,
          body: '<html><body>503 Service Unavailable</body></html>',
          contentType: 'text/html',
        }),
        0,
      );
      const results = await connector().getDossiers(
        [CODES[0] as string, CODES[1] as string],
        call(),
      );
      for (const result of results)
        expect(result).toMatchObject({
          code: 'UPSTREAM_UNAVAILABLE',
          retryable: true,
          httpStatus: 503,
        });
    });

    it('turns an HTML page where JSON was expected into UPSTREAM_BAD_RESPONSE', async () => {
      subject.intercept(
        scope,
        () => ({
          kind: 'raw',
          status: 200,
          body: '<!DOCTYPE html><html><title>Cổng dịch vụ công</title></html>',
          contentType: 'text/html',
        }),
        0,
      );
      const results = await connector().getDossiers([CODES[0] as string], call());
      expect(results[0]).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', retryable: false });
    });

    it('turns a truncated JSON body into UPSTREAM_BAD_RESPONSE', async () => {
      subject.intercept(
        scope,
        () => ({
          kind: 'raw',
          status: 200,
          body: '{"data": [{"MaHoSo": "000.00',
          contentType: 'application/json',
        }),
        0,
      );
      const results = await connector().getDossiers([CODES[0] as string], call());
      expect(results[0]).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    });

    it('fails only the unreadable record, answering the others', async () => {
      subject.intercept(
        scope,
        (codes) => ({
          kind: 'records',
          records: codes.map((code) =>
            code === CODES[1] ? subject.brokenRecord(code) : subject.record(code),
          ),
        }),
        0,
      );
      const results = await connector().getDossiers(
        [CODES[0] as string, CODES[1] as string, CODES[2] as string],
        call(),
      );
      expect(codeOf(results[0])).toBe(CODES[0]);
      expect(results[1]).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
      expect(codeOf(results[2])).toBe(CODES[2]);
    });

    it('calls nothing outside the configured base URL', async () => {
      subject.intercept(scope, known, 0);
      const unmatched: string[] = [];
      const onNoMatch = (request: { href?: string; path?: string }) =>
        unmatched.push(request.href ?? request.path ?? '?');
      nock.emitter.on('no match', onNoMatch);
      try {
        const results = await connector().getDossiers([...CODES, UNKNOWN], call());
        // Every call went through the interceptors under the base URL: no error, nothing unmatched.
        expect(results.map(codeOf)).toEqual([...CODES, null]);
        expect(unmatched).toEqual([]);
      } finally {
        nock.emitter.removeListener('no match', onNoMatch);
      }
      expect(seen.length).toBeGreaterThan(0);
      const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
      for (const url of seen) {
        expect(url.origin).toBe(base.origin);
        expect(url.pathname.startsWith(basePath)).toBe(true);
      }
    });
  });
}
