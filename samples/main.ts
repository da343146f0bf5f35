import { startSampleSystems } from './startSampleSystems';

/**
 * `npm run samples`: the four sample systems (and the sync receiver) as their own process, for benchmarks or for a
 * gateway started separately. Settings: SAMPLE_REST_PORT, SAMPLE_MINISTRY_PORT, SAMPLE_LAND_PORT,
 * SAMPLE_MERGED_PORT (the merged province's platform), SAMPLE_SYNC_PORT (the sample sync receiver) (default 0: free ports), SAMPLE_HOST (default 127.0.0.1; 0.0.0.0 in a container), SAMPLE_SIZE (dossiers per system, default 3000), SAMPLE_SEED (default
 * 2025), SAMPLE_GATEWAY_URL (where status changes are pushed; none by default).
 */
async function main(): Promise<void> {
  const number = (name: string, fallback: number): number => {
    const value = Number(process.env[name] ?? fallback);
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`${name} must be a whole number, got ${process.env[name]}`);
    return value;
  };
  const systems = await startSampleSystems({
    host: process.env.SAMPLE_HOST || '127.0.0.1',
    restPort: number('SAMPLE_REST_PORT', 0),
    ministryPort: number('SAMPLE_MINISTRY_PORT', 0),
    landPort: number('SAMPLE_LAND_PORT', 0),
    syncPort: number('SAMPLE_SYNC_PORT', 0),
    mergedPort: number('SAMPLE_MERGED_PORT', 0),
    size: number('SAMPLE_SIZE', 3000),
    seed: number('SAMPLE_SEED', 2025),
  });
  const gateway = process.env.SAMPLE_GATEWAY_URL;
  if (gateway !== undefined && gateway !== '') systems.connectGateway(gateway);
  const lines = [
    `Sample provincial REST system  ${systems.provincial.url}`,
    `Sample ministry system         ${systems.ministry.url}`,
    `Sample land registration SOAP ${systems.land.url}`,
    `Sample merged-province platform ${systems.merged.url}  (registration examples/registrations/tuyen-quang-motcua.yaml)`,
    `Sample sync receiver          ${systems.receiver.syncUrl}  (GET ${systems.receiver.url}/__sample/received)`,
    gateway
      ? `Status changes are pushed to ${gateway}/hooks/…`
      : 'Status changes are not pushed (set SAMPLE_GATEWAY_URL)',
    '',
    'Variables for the registration files in examples/registrations:',
    ...Object.entries(systems.variables).map(([name, value]) => `  export ${name}=${value}`),
    '',
    'Variables that point the sync bridge at the sample receiver:',
    ...Object.entries(systems.syncVariables).map(([name, value]) => `  export ${name}=${value}`),
    '',
    `Example codes: ${[...systems.provincial.dataset.exampleCodes(1).slice(0, 2), ...systems.ministry.dataset.exampleCodes(1).slice(0, 2)].join('  ')}`,
    // A migrated dossier of the absorbed province, stored (and answered) in lower case.
    `Merged platform: ${systems.merged.dataset
      .exampleCodes(1)
      .map((code) => systems.merged.truth(code)?.storedCode ?? code)
      .join('  ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const stop = () => {
    systems.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
