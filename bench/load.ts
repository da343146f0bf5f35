import autocannon from 'autocannon';

/**
 * The load generator, run as its own process so that it does not share an event loop with the
 * server under test. Reads one JSON job from argv[2], prints one JSON result line.
 */
interface LoadJob {
  url: string;
  body: string;
  connections: number;
  durationSeconds: number;
  /** Exact bytes every answer must have; or `verify` names a check. */
  expectBody?: string;
  /** `lookup:<code>`: a JSON answer for that code without errors (uncached answers vary in fetchedAt). */
  verify?: string;
}

const job = JSON.parse(process.argv[2] as string) as LoadJob;

const verifyBody =
  job.verify === undefined
    ? undefined
    : (body: string | Buffer | undefined): boolean => {
        const code = (job.verify as string).slice('lookup:'.length);
        try {
          const parsed = JSON.parse(String(body)) as {
            data?: { dossier?: { code?: string } };
            errors?: unknown;
          };
          return parsed.errors === undefined && parsed.data?.dossier?.code === code;
        } catch {
          return false;
        }
      };

autocannon(
  {
    url: job.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: job.body,
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
      })}\n`,
    );
  },
);
