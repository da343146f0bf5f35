import type { Span } from '@opentelemetry/api';
import type { CallContext } from '../../connectors/contract';
import type { ErrorCode } from '../../src/errors/ErrorCode';
import { errorDetail } from '../../src/errors/GatewayError';
import { requestScopes } from '../../src/observability/requestScope';
import { CrossRequestBatcher } from '../../src/services/dossiers/CrossRequestBatcher';
import type { FetchResult, FoundEntry } from '../../src/services/dossiers/fetchResult';

/**
 * The codes concurrent requests need from one system, batched per turn of the event loop: one
 * list per system per turn, in the name of the requests in it, asked again request by request
 * when the system refuses the list whole. (Counted on the real sample systems through the
 * gateway in test/integration/batching.test.ts.)
 */
describe('CrossRequestBatcher', () => {
  const found = (code: string): FetchResult => ({
    ok: true,
    entry: { kind: 'found', code } as FoundEntry,
    cached: false,
    stale: null,
  });
  const failed = (code: ErrorCode): FetchResult => ({
    ok: false,
    error: errorDetail(code, 'the system said no', 'tinh'),
  });
  const request = (requestId: string, deadline?: number): CallContext => ({
    signal: new AbortController().signal,
    requestId,
    ...(deadline === undefined ? {} : { deadline }),
  });
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  /** A batcher whose system answers with `answer`, recording every list it is sent. */
  function batcher(
    answer: (codes: readonly string[]) => FetchResult[] | Promise<FetchResult[]> = (codes) =>
      codes.map(found),
  ) {
    const sent: Array<{ system: string; codes: string[]; call: CallContext }> = [];
    const batching = new CrossRequestBatcher<string>(async (system, codes, call) => {
      sent.push({ system, codes: [...codes], call });
      return answer(codes);
    });
    return { batching, sent };
  }
  const codeOf = (result: FetchResult) => (result.ok ? result.entry.code : result.error.code);

  it('sends one system the codes of every request of the turn as one list, each request answered its own codes', async () => {
    const { batching, sent } = batcher();
    const first = request('r1');
    const second = request('r2');
    const answers = await Promise.all([
      batching.add('tinh', 'A', first),
      batching.add('tinh', 'B', second),
      batching.add('tinh', 'A', second),
    ]);
    expect(answers.map(codeOf)).toEqual(['A', 'B', 'A']);
    expect(sent.map(({ system, codes }) => ({ system, codes }))).toEqual([
      { system: 'tinh', codes: ['A', 'B'] },
    ]);
  });

  it('sends each system its own list', async () => {
    const { batching, sent } = batcher();
    const call = request('r1');
    await Promise.all([batching.add('tinh', 'A', call), batching.add('bo', 'B', call)]);
    expect(sent.map(({ system, codes }) => [system, codes])).toEqual([
      ['tinh', ['A']],
      ['bo', ['B']],
    ]);
  });

  it('sends the codes added in a later turn as the next list', async () => {
    const { batching, sent } = batcher();
    const first = batching.add('tinh', 'A', request('r1'));
    await nextTurn();
    const second = batching.add('tinh', 'B', request('r2'));
    expect((await Promise.all([first, second])).map(codeOf)).toEqual(['A', 'B']);
    expect(sent.map(({ codes }) => codes)).toEqual([['A'], ['B']]);
  });

  it('sends a request alone in its own call context: it waits for nothing and no one', async () => {
    const { batching, sent } = batcher();
    const call = request('alone', 5_000);
    await Promise.all([batching.add('tinh', 'A', call), batching.add('tinh', 'B', call)]);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.call).toBe(call);
  });

  it("sends several requests' list in the first one's name, until the latest deadline, and ends it once every request has given up", async () => {
    let answer!: (results: FetchResult[]) => void;
    const { batching, sent } = batcher(
      () => new Promise<FetchResult[]>((resolve) => (answer = resolve)),
    );
    const first = new AbortController();
    const second = new AbortController();
    const span = { name: 'first request' } as unknown as Span;
    requestScopes.setSpan(first.signal, span);
    const answers = Promise.all([
      batching.add('tinh', 'A', { signal: first.signal, requestId: 'r1', deadline: 1_000 }),
      batching.add('tinh', 'B', { signal: second.signal, requestId: 'r2', deadline: 2_000 }),
    ]);
    await nextTurn();
    const shared = sent[0]?.call as CallContext;
    expect(shared).toMatchObject({ requestId: 'r1', deadline: 2_000 });
    // The upstream span nests in the first request's trace.
    expect(requestScopes.span(shared.signal)).toBe(span);
    first.abort();
    expect(shared.signal.aborted).toBe(false);
    second.abort();
    expect(shared.signal.aborted).toBe(true);
    answer([found('A'), found('B')]);
    expect((await answers).map(codeOf)).toEqual(['A', 'B']);
  });

  it('gives a shared list no deadline when one of its requests has none', async () => {
    const { batching, sent } = batcher();
    await Promise.all([
      batching.add('tinh', 'A', request('r1', 1_000)),
      batching.add('tinh', 'B', request('r2')),
    ]);
    expect(sent[0]?.call.deadline).toBeUndefined();
  });

  it("asks again request by request when the system refuses the list whole, so one request's bad code fails only its own lookup", async () => {
    const bad = 'BAD';
    const { batching, sent } = batcher((codes) =>
      codes.includes(bad) ? codes.map(() => failed('UPSTREAM_BAD_RESPONSE')) : codes.map(found),
    );
    const first = request('r1');
    const second = request('r2');
    const answers = await Promise.all([
      batching.add('tinh', bad, first),
      batching.add('tinh', 'B', second),
      batching.add('tinh', 'C', second),
    ]);
    expect(answers.map(codeOf)).toEqual(['UPSTREAM_BAD_RESPONSE', 'B', 'C']);
    expect(sent.map(({ codes, call }) => [codes, call.requestId])).toEqual([
      [[bad, 'B', 'C'], 'r1'],
      [[bad], 'r1'],
      [['B', 'C'], 'r2'],
    ]);
    expect(sent[1]?.call).toBe(first);
    expect(sent[2]?.call).toBe(second);
  });

  it('does not ask again after an outage, nor when the list was one request’s own', async () => {
    const down = batcher((codes) => codes.map(() => failed('UPSTREAM_UNAVAILABLE')));
    await Promise.all([
      down.batching.add('tinh', 'A', request('r1')),
      down.batching.add('tinh', 'B', request('r2')),
    ]);
    expect(down.sent).toHaveLength(1);

    const refusing = batcher((codes) => codes.map(() => failed('UPSTREAM_BAD_RESPONSE')));
    const call = request('r1');
    await Promise.all([
      refusing.batching.add('tinh', 'A', call),
      refusing.batching.add('tinh', 'B', call),
    ]);
    expect(refusing.sent).toHaveLength(1);
  });
});
