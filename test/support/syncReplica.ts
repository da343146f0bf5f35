import { createSyncBridge, type SyncBridgeConfig } from '../../src/services/sync/createSyncBridge';
import { changes } from './syncChanges';

/**
 * One replica of the sync bridge in its own process, for tests that kill it with SIGKILL:
 * `SYNC_BRIDGE_CONFIG` (JSON), `SYNC_CONSUMER`, and `SYNC_APPEND=<connector>:<dossiers>:<steps>`
 * to append those changes first. Prints `started` once delivering.
 */
async function main(): Promise<void> {
  const config = JSON.parse(process.env.SYNC_BRIDGE_CONFIG ?? '') as SyncBridgeConfig;
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const bridge = createSyncBridge(config, {
    logger: silent,
    ...(process.env.SYNC_CONSUMER ? { consumer: process.env.SYNC_CONSUMER } : {}),
  });
  const append = process.env.SYNC_APPEND;
  if (append) {
    const [connector, dossiers, steps] = append.split(':');
    await bridge.sink.append(changes(connector as string, Number(dossiers), Number(steps)));
  }
  await bridge.start();
  process.stdout.write('started\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
