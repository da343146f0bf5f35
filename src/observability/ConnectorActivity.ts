/** What a connector call came to, over every code it carried. */
export type CallOutcome = 'ok' | 'partial' | 'error' | 'circuit_open';

/** Minute buckets kept: "recent" means the last five minutes. */
const BUCKETS = 5;
const MINUTE = 60_000;

interface Bucket {
  minute: number;
  calls: number;
  failed: number;
  fromCache: number;
  fromUpstream: number;
}

export interface RecentActivity {
  calls: number;
  /** Share of calls that failed (every code in error) or were refused by an open circuit. */
  errorRate: number | null;
  /** Share of dossier answers served from the cache. */
  cacheHitRate: number | null;
  lastError: { code: string; message: string; at: string } | null;
  lastCallAt: string | null;
}

/**
 * What each connector did over the last five minutes, for the console: calls, failures, answers
 * from cache or upstream (one-minute buckets), and the last error with when. Prometheus keeps the
 * long series; this is the glance.
 */
export class ConnectorActivity {
  private readonly buckets = new Map<string, Bucket[]>();
  private readonly lastError = new Map<string, { code: string; message: string; at: number }>();
  private readonly lastCall = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  call(
    connector: string,
    outcome: CallOutcome,
    error: { code: string; message: string } | null,
  ): void {
    const bucket = this.bucket(connector);
    bucket.calls += 1;
    if (outcome === 'error' || outcome === 'circuit_open') bucket.failed += 1;
    if (error !== null) this.lastError.set(connector, { ...error, at: this.now() });
    this.lastCall.set(connector, this.now());
  }

  answered(connector: string, fromCache: number, fromUpstream: number): void {
    const bucket = this.bucket(connector);
    bucket.fromCache += fromCache;
    bucket.fromUpstream += fromUpstream;
  }

  recent(connector: string): RecentActivity {
    const since = this.minute() - BUCKETS + 1;
    const live = (this.buckets.get(connector) ?? []).filter((b) => b.minute >= since);
    const sum = (key: keyof Omit<Bucket, 'minute'>) => live.reduce((n, b) => n + b[key], 0);
    const calls = sum('calls');
    const answers = sum('fromCache') + sum('fromUpstream');
    const error = this.lastError.get(connector);
    const lastCall = this.lastCall.get(connector);
    return {
      calls,
      errorRate: calls === 0 ? null : sum('failed') / calls,
      cacheHitRate: answers === 0 ? null : sum('fromCache') / answers,
      lastError:
        error === undefined
          ? null
          : { code: error.code, message: error.message, at: new Date(error.at).toISOString() },
      lastCallAt: lastCall === undefined ? null : new Date(lastCall).toISOString(),
    };
  }

  private minute(): number {
    return Math.floor(this.now() / MINUTE);
  }

  private bucket(connector: string): Bucket {
    const minute = this.minute();
    let list = this.buckets.get(connector);
    if (list === undefined) {
      list = [];
      this.buckets.set(connector, list);
    }
    let last = list.at(-1);
    if (last === undefined || last.minute !== minute) {
      last = { minute, calls: 0, failed: 0, fromCache: 0, fromUpstream: 0 };
      list.push(last);
      if (list.length > BUCKETS) list.shift();
    }
    return last;
  }
}
