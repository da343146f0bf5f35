import axios from 'axios';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { isConnectorError } from '../connectors/ConnectorError';
import type { CallContext, ConnectorDeps } from '../connectors/contract';
import type { NationalDossier } from '../connectors/model';
import { restJsonKind } from '../connectors/rest-json/restJsonKind';
import { DeclarativeConnector } from '../connectors/shared/declarativeConnector';
import { ExpressionCompiler } from '../connectors/shared/expression/ExpressionCompiler';
import { parseJsonBody } from '../connectors/shared/http';
import { buildTables } from '../connectors/shared/tablesSchema';
import { renderProvincial } from '../samples/provincial-rest/renderProvincial';
import { provincialDataset } from '../samples/provincial-rest/startProvincialRest';
import { DEFAULT_DIRECTORY_FILE } from '../samples/startSampleSystems';
import { dossierView } from '../src/graphql/dossierView';
import { decodeBody } from '../src/runtime/createUpstreamHttp';
import { stateMark } from '../src/services/changes/stateMark';
import type { DossierSource } from '../src/services/dossiers/DossierService';
import { maskDossier } from '../src/services/dossiers/maskDossier';
import { baselineDossier } from './apolloAxiosBaseline';
import { median } from './queries';

/**
 * `npm run bench:stages` (issue 23): the CPU of each stage a dossier read from its system goes
 * through, measured one stage at a time in this one process, so that a change to one stage shows
 * without the noise of servers, sockets and load generators sharing two cores (the distinct-code
 * benchmark, bench/distinctCodes.ts, measures the whole path).
 *
 * BENCH_STAGE_RECORDS (2 000) records of the sample provincial system, as bench/simpleUpstream.ts
 * serves them, in answers of 50 (`{"total": 50, "data": [...]}` as bytes). Each round reads every
 * answer through each stage in turn: the bytes decoded and parsed as the gateway's HTTP client does
 * (`decodeBody`, `parseJsonBody`); the bundled registration examples/registrations/thanh-hoa-motcua.yaml
 * mapping and normalising them in its connector engine (`DeclarativeConnector.getDossiers`, the
 * records handed over as the system's bulk answer); each dossier's state mark (change tracking);
 * its masking; its GraphQL view with the benchmark's fields read from it. The hand-written
 * baseline's mapping (bench/apolloAxiosBaseline.ts) runs over the same parsed records. Medians of
 * BENCH_STAGE_ROUNDS (15) rounds after 5 unmeasured ones; µs a dossier, printed and written to
 * bench/results/stages.md.
 */
const RECORDS = Number(process.env.BENCH_STAGE_RECORDS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_STAGE_ROUNDS ?? 15);
const PER_ANSWER = 50;
const ROOT = join(__dirname, '..');
/** Where the views say their dossiers came from (read by the view stage as GraphQL reads it). */
const SOURCE: DossierSource = {
  connectorId: 'thanh-hoa-motcua',
  registrationVersion: null,
  fetchedAt: '2026-12-07T10:00:00.000+07:00',
  cached: false,
  stale: false,
  staleReason: null,
  staleSince: null,
  agencyCode: null,
  via: [],
};

function registration() {
  const file = join(ROOT, 'examples', 'registrations', 'thanh-hoa-motcua.yaml');
  const document = parse(readFileSync(file, 'utf8')) as { config: unknown };
  return restJsonKind.configSchema.parse(document.config);
}

function answers(): Array<{ codes: string[]; bytes: Buffer }> {
  const dataset = provincialDataset({
    size: Math.ceil(RECORDS * 1.5),
    seed: 2025,
    directoryFile: DEFAULT_DIRECTORY_FILE,
  });
  const out: Array<{ codes: string[]; bytes: Buffer }> = [];
  let codes: string[] = [];
  let texts: string[] = [];
  for (const code of dataset.codes()) {
    const dossier = dataset.get(code);
    if (dossier === undefined) continue;
    codes.push(code);
    texts.push(JSON.stringify(renderProvincial(dossier, false)));
    if (codes.length === PER_ANSWER) {
      out.push({
        codes,
        bytes: Buffer.from(`{"total":${PER_ANSWER},"data":[${texts.join(',')}]}`),
      });
      codes = [];
      texts = [];
      if (out.length * PER_ANSWER >= RECORDS) break;
    }
  }
  return out;
}

/** The fields bench/queries.ts's LOOKUP_FIELDS asks, read from a view as GraphQL would. */
function readLookupFields(view: ReturnType<typeof dossierView>): number {
  const { status, applicant, source } = view;
  let read = 0;
  for (const value of [
    view.code,
    view.procedureName,
    view.agencyCode,
    status.value,
    status.code,
    status.label,
    status.raw,
    status.lossy,
    view.receivedAt,
    view.dueAt,
    view.finishedAt,
    view.returnedAt,
    applicant.name,
    applicant.phone,
    source.connector,
    source.fetchedAt,
    source.cached,
    source.routedVia,
  ])
    if (value !== undefined) read += 1;
  return read;
}

async function main(): Promise<void> {
  const config = registration();
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const deps: ConnectorDeps = {
    connectorId: 'thanh-hoa-motcua',
    http: axios.create(),
    logger: silent,
    clock: { now: () => new Date() },
  };
  let handed: unknown[] = [];
  const connector = new DeclarativeConnector(
    { bulk: { maxBatch: PER_ANSWER, fetch: () => Promise.resolve(handed) } },
    config.mapping,
    buildTables(config),
    deps,
    new ExpressionCompiler(config.limits.mappingTimeoutMs),
  );
  const call: CallContext = { signal: new AbortController().signal, requestId: 'bench-stages' };
  const all = answers();
  const dossiers = all.length * PER_ANSWER;
  const stages = ['decode and parse', 'map and normalise', 'state mark', 'mask', 'view'] as const;

  const round = async (): Promise<number[]> => {
    const spent = [0, 0, 0, 0, 0, 0];
    let sink = 0;
    for (const { codes, bytes } of all) {
      let t = performance.now();
      const text = decodeBody(bytes, 'application/json; charset=utf-8');
      const body = parseJsonBody({ data: text, status: 200, headers: {} } as never, 'bench') as {
        data: unknown[];
      };
      let now = performance.now();
      spent[0] += now - t;
      t = now;
      handed = body.data;
      const results = await connector.getDossiers(codes, call);
      now = performance.now();
      spent[1] += now - t;
      const found = results.filter(
        (result): result is NationalDossier => result !== null && !isConnectorError(result),
      );
      if (found.length !== codes.length)
        throw new Error(`${found.length} of ${codes.length} dossiers mapped`);
      t = performance.now();
      for (const dossier of found) sink += stateMark(dossier).full.length;
      now = performance.now();
      spent[2] += now - t;
      t = now;
      const masked = found.map(maskDossier);
      now = performance.now();
      spent[3] += now - t;
      t = now;
      for (const dossier of masked)
        sink += readLookupFields(
          dossierView({ dossier, codeAsked: dossier.code, masked: true, source: SOURCE }),
        );
      now = performance.now();
      spent[4] += now - t;
      t = now;
      for (const record of body.data) sink += baselineDossier(record as never).code.length;
      spent[5] += performance.now() - t;
    }
    if (sink === 0) throw new Error('nothing was read');
    return spent.map((ms) => (ms * 1000) / dossiers);
  };

  for (let i = 0; i < 5; i += 1) await round();
  const rounds: number[][] = [];
  for (let i = 0; i < ROUNDS; i += 1) rounds.push(await round());
  const at = (index: number) => median(rounds.map((r) => r[index] as number));

  const rows = stages.map((stage, index) => [stage, at(index)] as const);
  const gateway = rows.reduce((sum, [, us]) => sum + us, 0);
  const baseline = at(0) + at(5);
  const report =
    `Per-dossier stages, ${dossiers} sample provincial records in answers of ${PER_ANSWER}, medians of ${ROUNDS} rounds (Node ${process.version}):\n\n` +
    `| stage | µs a dossier |\n|---|---:|\n` +
    rows.map(([stage, us]) => `| ${stage} | ${us.toFixed(1)} |`).join('\n') +
    `\n| **gateway, these stages** | **${gateway.toFixed(1)}** |\n` +
    `| baseline's mapping (bench/apolloAxiosBaseline.ts) | ${at(5).toFixed(1)} |\n` +
    `| **baseline, decode and parse + its mapping** | **${baseline.toFixed(1)}** |\n\n` +
    `Gateway ÷ baseline over these stages: ${(gateway / baseline).toFixed(2)}× (HTTP, GraphQL execution, routing and caching are not in either column).\n`;
  process.stdout.write(report);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'stages.md'), report);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
