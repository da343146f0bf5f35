import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import type { LoadJob } from './loadJob';

/**
 * The load generator, run as its own process so that it does not share an event loop with the
 * server under test. Reads one JSON job (`LoadJob`, bench/loadJob.ts) from argv[2] (long lists of
 * bodies come in the file `bodiesFile` names), prints one JSON result line.
 */
const job = JSON.parse(process.argv[2] as string) as LoadJob;
const bodies =
  job.bodiesFile === undefined
    ? job.bodies
    : (JSON.parse(readFileSync(job.bodiesFile, 'utf8')) as string[]);

function verifier(verify: string): (body: string | Buffer | undefined) => boolean {
  const [kind, argument] = verify.split(/:(.*)/s) as [string, string];
  return (body) => {
    try {
      const parsed = JSON.parse(String(body)) as {
        data?: {
          [alias: string]: unknown;
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
      if (kind === 'aliases') {
        const answers = Object.values(parsed.data ?? {});
        return (
          answers.length === Number(argument) &&
          answers.every(
            (answer) =>
              typeof answer === 'object' &&
              answer !== null &&
              typeof (answer as { code?: unknown }).code === 'string',
          )
        );
      }
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

let next = (job.offset ?? 0) - 1;
let sent = 0;
const verifyBody = job.verify === undefined ? undefined : verifier(job.verify);

autocannon(
  {
    url: job.url,
    method: 'POST',
    headers: job.headers,
    body: job.body,
    ...(bodies === undefined
      ? {}
      : {
          requests: [
            {
              method: 'POST' as const,
              path: new URL(job.url).pathname,
              setupRequest: (request: autocannon.Request) => {
                next = (next + 1) % bodies.length;
                sent += 1;
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
        sent,
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
