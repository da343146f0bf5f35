import { BUILTIN_KINDS } from '../connectors/builtinKinds';
import { startSampleSystems, type SampleSystems } from '../samples/startSampleSystems';
import { readConfig } from './config/readConfig';
import { readSyncConfig } from './config/syncConfig';
import { ConfigurationError } from './errors/ConfigurationError';
import { createLogger } from './platform/logger';
import { loadKindModules } from './registry/loadKindModules';
import { projectRoot } from './platform/projectRoot';
import { startGateway } from './startGateway';

/**
 * The one place that reads the environment and wires the gateway together. With no settings it
 * runs the embedded default: in-process cache, both sample systems on loopback, GraphiQL on.
 */
async function main(): Promise<void> {
  const root = projectRoot();
  const config = readConfig(process.env, root);
  const kinds = loadKindModules(config.kindModules, BUILTIN_KINDS, root);
  const logger = createLogger(config.logLevel);

  let samples: SampleSystems | null = null;
  if (config.samples !== null) {
    samples = await startSampleSystems({
      size: config.samples.size,
      seed: config.samples.seed,
      directoryFile: config.agencyDirectoryFile,
    });
  }
  // One current and one closed code per system, so the first query shows routing too.
  const exampleCodes =
    samples === null
      ? []
      : [
          ...pickExamples(samples.provincial.dataset.exampleCodes(1), ['.01.H56-', '.22.H56-']),
          ...pickExamples(samples.ministry.dataset.exampleCodes(1), ['.20.G09-', '.G07-']),
          ...pickExamples(samples.land.dataset.exampleCodes(1), ['.01.12.H56-', '.21.12.H56-']),
          // A migrated dossier, stored in lower case under a closed agency, and a current one.
          ...pickExamples(samples.merged.sampleCodes(50), ['.h47-', '.H60-']),
        ];
  // The embedded default syncs to the sample receiver unless told where (SYNC_SINK_URL).
  const sync =
    config.sync ??
    (samples === null
      ? null
      : readSyncConfig({ ...process.env, ...samples.syncVariables }, root, config.redis));
  const gateway = await startGateway(
    { ...config, sync },
    {
      logger,
      kinds,
      variables: { ...process.env, ...samples?.variables },
      exampleCodes,
    },
  ).catch(async (error: unknown) => {
    await samples?.close();
    throw error;
  });

  // The sample systems push their status changes here (POST /__sample/dossiers/<code>/status).
  samples?.connectGateway(gateway.url);

  // Process uptime: includes loading the code, which is most of a cold start.
  const seconds = process.uptime().toFixed(2);
  const lines = [
    '',
    `DVC gateway ready in ${seconds} s (${config.mode} mode, cache: ${gateway.cache.kind})`,
    `  GraphQL   ${gateway.url}/graphql`,
    ...(config.graphiql ? [`  GraphiQL  ${gateway.url}/graphiql`] : []),
    `  Console   ${gateway.url}/console   (sign in with the province-it or admin key)`,
    `  Health    ${gateway.url}/healthz  ${gateway.url}/readyz${'open' in config.metrics && !config.metrics.open ? '' : `  ${gateway.url}/metrics`}`,
  ];
  if (samples !== null) {
    lines.push(
      `  Sample provincial REST system  ${samples.provincial.url}  (registration thanh-hoa-motcua)`,
      `  Sample ministry system         ${samples.ministry.url}  (registration bo-noi-vu-dvc)`,
      `  Sample land registration SOAP ${samples.land.url}  (registration thanh-hoa-datdai)`,
      `  Sample merged platform        ${samples.merged.url}  (registration tuyen-quang-motcua)`,
      `  Sample sync receiver          ${samples.receiver.url}/__sample/received  (what the sync bridge delivered)`,
      `  Try: ${[exampleCodes[0], exampleCodes[2], exampleCodes[4], exampleCodes[6]].join('  ')}`,
    );
  }
  if (gateway.demoKeys !== null) {
    const keys = gateway.demoKeys;
    lines.push(
      '',
      '  Demo API keys (this run only; send as X-Api-Key; GraphiQL has the portal key filled in):',
      `    portal       ${keys.portal}`,
      `    province-it  ${keys['province-it']}   (Thanh Hóa, H56)`,
      `    auditor      ${keys.auditor}`,
      `    admin        ${keys.admin}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Requests get up to 10 s to finish; whatever still hangs after 30 s (a store that never
    // answers its quit) does not keep the process alive.
    setTimeout(() => {
      logger.error({ signal }, 'shutdown did not finish within 30 s; exiting');
      process.exit(1);
    }, 30_000).unref();
    // The gateway first (it stops accepting, lets requests in flight finish, closes
    // subscriptions with 1001 and its Redis connections), then the sample systems it was calling.
    gateway
      .close()
      .then(() => samples?.close())
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** The first code containing each marker, in the markers' order. */
function pickExamples(codes: readonly string[], markers: readonly string[]): string[] {
  return markers.flatMap((marker) => codes.find((code) => code.includes(marker)) ?? []);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigurationError) {
    process.stderr.write(`${error.message}\nThe gateway did not start; nothing was registered.\n`);
  } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    const { address, port } = error as NodeJS.ErrnoException & { address?: string; port?: number };
    process.stderr.write(
      `The gateway did not start: ${address ?? ''}:${port ?? ''} is already in use. ` +
        'Stop what holds it, or choose another port: PORT=4001 npm start (PORT=0 picks a free one).\n',
    );
  } else {
    process.stderr.write(`The gateway did not start: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
