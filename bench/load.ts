import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

/**
 * The load generator, run as its own process so that it does not share an event loop with the
 * server under test. Reads one JSON job from argv[2] (or from the file `@<path>` names, for jobs
 * too long for a command line), prints one JSON result line.
 */
interface LoadJob {
  url: string;
  body: string;
  /** Bodies sent in turn instead of `body` (distinct codes, so that no cache or coalescing helps). */
  bodies?: string[];
  connections: number;
  durationSeconds: number;
  /** Request headers (content type, API key). */
  headers: Record<string, string>;
  /** Exact bytes every answer must have; or `verify` names a check. */
  expectBody?: string;
  /**
   * `lookup:<code>`: a JSON answer for that code without errors (uncached answers vary in
   * fetchedAt); `items:<n>`: a `dossiers` answer of n items, none with an error; `source:cached`
   * or `source:fetched`: a `dossier` answer without errors, from the cache or fetched now.
   */
  verify?: string;
}

const argument = process.argv[2] as string;
const job = JSON.parse(
  argument.startsWith('@') ? readFileSync(argument.slice(1), 'utf8') : argument,
) as LoadJob;

function verifier(verify: string): (body: string | Buffer | undefined) => boolean {
  const [kind, argument] = verify.split(/:(.*)/s) as [string, string];
  return (body) => {
    try {
      const parsed = JSON.parse(String(body)) as {
        data?: {
          dossier?: { code?: string; source?: { cached?: boolean } };
          dossiers?: Array<{ error: unknown; dossier: unknown }>;
        };
        errors?: unknown;
      };
      if (parsed.errors !== undefined) return false;
      if (kind === 'source')
        return (
          typeof parsed.data?.dossier?.code === 'string' &&
          parsed.data.dossier.source?.cached === (argument === 'cached')
        );
      if (kind === 'lookup')
        return argument === '*'
          ? typeof parsed.data?.dossier?.code === 'string'
          : parsed.data?.dossier?.code === argument;
      const items = parsed.data?.dossiers ?? [];
      return (
        items.length === Number(argument) &&
        items.every((item) => item.error === null && item.dossier !== null)
      );
    } catch {
      return false;
    }
  };
}

let next = -1;
const verifyBody = job.verify === undefined ? undefined : verifier(job.verify);

autocannon(
  {
    url: job.url,
    method: 'POST',
    headers: job.headers,
    body: job.body,
    ...(job.bodies === undefined
      ? {}
      : {
          requests: [
            {
              method: 'POST' as const,
              path: new URL(job.url).pathname,
              setupRequest: (request: autocannon.Request) => {
                const bodies = job.bodies as string[];
                next = (next + 1) % bodies.length;
                return { ...request, body: bodies[next] };
              },
            },
          ],
        }),
    connections: job.connections,
    duration: job.durationSeconds,
    ...(job.expectBody === undefined ? {} : { expectBody: job.expectBody }),
    ...(verifyBody === undefined ? {} : { verifyBody }),
  },
  (error, result) => {
    if (error) {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    }
    process.stdout.write(
      `${JSON.stringify({
        requestsPerSecond: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        total: result.requests.total,
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        mismatches: result.mismatches,
        statusCodes: Object.fromEntries(
          Object.entries(result.statusCodeStats ?? {}).map(([status, { count }]) => [
            status,
            count,
          ]),
        ),
      })}\n`,
    );
  },
);
