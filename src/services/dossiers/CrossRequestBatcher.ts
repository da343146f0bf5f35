import type { CallContext } from '../../../connectors/contract';
import { requestScopes } from '../../observability/requestScope';
import type { FetchResult } from './fetchResult';

/** Asks one system for a list of codes, answering one result per code, in order. */
export type SendCodes<System> = (
  system: System,
  codes: readonly string[],
  call: CallContext,
) => Promise<FetchResult[]>;

/**
 * Batches the codes that concurrent requests need from one system: every code added for a system
 * in one turn of the event loop goes in one list, sent once the turn's I/O is handled
 * (`setImmediate`). Requests whose bytes arrived together share upstream calls instead of making
 * their own, so under load the portal's many single lookups reach a system as a few bulk calls;
 * a request alone waits for nothing.
 *
 * It decides which codes travel together, not how they are split into upstream calls: `send`
 * goes to the system's runtime, which cuts the list into calls of at most its `maxBatch` codes
 * (ConnectorRuntime.getDossiers). One list per system per turn, in the name of the requests in it
 * (`TurnBatch`).
 */
export class CrossRequestBatcher<System> {
  /** This turn's batch per system. */
  private readonly batches = new Map<System, TurnBatch>();

  constructor(private readonly send: SendCodes<System>) {}

  /** Adds a code a request needs from a system to this turn's batch; resolves to its result. */
  add(system: System, code: string, call: CallContext): Promise<FetchResult> {
    let batch = this.batches.get(system);
    if (batch === undefined) {
      const created = new TurnBatch();
      batch = created;
      this.batches.set(system, created);
      setImmediate(() => {
        this.batches.delete(system);
        created.send((codes, shared) => this.send(system, codes, shared));
      });
    }
    return batch.add(code, call);
  }
}

/**
 * The codes that the requests of one turn need from one system, asked as one list. The list goes
 * in the first request's name (its request id goes upstream, its trace holds the span), ends when
 * every request has given up (their signals), and may run until the latest request's deadline.
 * A list the system refuses as a whole is asked again by each request alone (`askAlone`).
 */
class TurnBatch {
  private readonly codes: string[] = [];
  private readonly indexOf = new Map<string, number>();
  /** Each request and its own codes (asked again alone when the list is refused whole). */
  private readonly codesOf = new Map<CallContext, string[]>();
  private readonly sent: Promise<FetchResult[]>;
  private resolveSent!: (results: Promise<FetchResult[]>) => void;

  constructor() {
    this.sent = new Promise((resolve) => (this.resolveSent = resolve));
  }

  add(code: string, call: CallContext): Promise<FetchResult> {
    let own = this.codesOf.get(call);
    if (own === undefined) {
      own = [];
      this.codesOf.set(call, own);
    }
    own.push(code);
    let index = this.indexOf.get(code);
    if (index === undefined) {
      index = this.codes.push(code) - 1;
      this.indexOf.set(code, index);
    }
    const at = index;
    return this.sent.then((results) => results[at] as FetchResult);
  }

  send(ask: (codes: readonly string[], call: CallContext) => Promise<FetchResult[]>): void {
    const calls = [...this.codesOf.keys()];
    if (calls.length === 1) {
      this.resolveSent(ask(this.codes, calls[0] as CallContext));
      return;
    }
    const shared = sharedCall(calls);
    const results = ask(this.codes, shared.call).then((answers) =>
      refusedWhole(answers) ? this.askAlone(ask, calls, answers) : answers,
    );
    results.then(shared.release, shared.release);
    this.resolveSent(results);
  }

  /**
   * The system refused the list as a whole, as systems that check every code before answering do
   * when one is wrong: each request asks again for its own codes alone, so that one request's
   * code does not fail another's lookup.
   */
  private async askAlone(
    ask: (codes: readonly string[], call: CallContext) => Promise<FetchResult[]>,
    calls: readonly CallContext[],
    answers: readonly FetchResult[],
  ): Promise<FetchResult[]> {
    const again = new Map<string, FetchResult>();
    await Promise.all(
      calls.map(async (caller) => {
        const own = this.codesOf.get(caller) ?? [];
        const results = await ask(own, caller);
        own.forEach((code, index) => again.set(code, results[index] as FetchResult));
      }),
    );
    return this.codes.map((code, index) => again.get(code) ?? (answers[index] as FetchResult));
  }
}

/** Whether every code of a list failed with the system's refusal (not a timeout or an outage). */
function refusedWhole(answers: readonly FetchResult[]): boolean {
  return (
    answers.length > 1 &&
    answers.every((answer) => !answer.ok && answer.error.code === 'UPSTREAM_BAD_RESPONSE')
  );
}

/** One call context for several requests: aborted once all of theirs are, at the latest deadline. */
function sharedCall(calls: readonly CallContext[]): { call: CallContext; release: () => void } {
  const [first] = calls as [CallContext, ...CallContext[]];
  const controller = new AbortController();
  let live = 0;
  const onAbort = () => {
    live -= 1;
    if (live === 0) controller.abort(first.signal.reason);
  };
  for (const call of calls) {
    if (call.signal.aborted) continue;
    live += 1;
    call.signal.addEventListener('abort', onAbort, { once: true });
  }
  if (live === 0) controller.abort(first.signal.reason);
  const span = requestScopes.span(first.signal);
  if (span !== undefined) requestScopes.setSpan(controller.signal, span);
  const deadlines = calls.map((call) => call.deadline);
  const shared: CallContext = {
    signal: controller.signal,
    requestId: first.requestId,
    ...(deadlines.includes(undefined) ? {} : { deadline: Math.max(...(deadlines as number[])) }),
  };
  return {
    call: shared,
    release: () => {
      for (const call of calls) call.signal.removeEventListener('abort', onAbort);
    },
  };
}
