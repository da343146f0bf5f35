/**
 * Fetches of one system's code under way, shared: a request that needs a code already being
 * fetched — for any request — waits for that fetch instead of starting its own, so concurrent
 * misses of one code make one upstream call.
 */
export class SingleFlight<T> {
  private readonly underWay = new Map<string, Promise<T>>();

  /** The fetch of this code under way, if any. */
  joinable(connectorId: string, code: string): Promise<T> | undefined {
    return this.underWay.get(key(connectorId, code));
  }

  /** Offers a fetch of this code to later requests until it settles. */
  start(connectorId: string, code: string, fetch: Promise<T>): void {
    const at = key(connectorId, code);
    this.underWay.set(at, fetch);
    const done = () => {
      // A push may have dropped this fetch and another started meanwhile: leave that one.
      if (this.underWay.get(at) === fetch) this.underWay.delete(at);
    };
    fetch.then(done, done);
  }

  /** The fetch under way read a state that has since changed: later requests start a new one. */
  drop(connectorId: string, code: string): void {
    this.underWay.delete(key(connectorId, code));
  }
}

function key(connectorId: string, code: string): string {
  return `${connectorId}\u0000${code}`;
}
