import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_KINDS } from '../../connectors/builtinKinds';
import { emptyStats, type SampleStats } from '../../samples/sampleHttp';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import type { Role } from '../../src/auth/roles';
import { readConfig } from '../../src/config/readConfig';
import { startGateway, type RunningGateway } from '../../src/startGateway';
import { createTestLogger } from './testLogger';

export const PROJECT_ROOT = join(__dirname, '..', '..');
export const SAMPLE_REGISTRATIONS = join(PROJECT_ROOT, 'examples', 'registrations');

export interface TestGatewayOptions {
  /** Environment variables for readConfig (CACHE, REDIS_URL, …). */
  env?: Record<string, string>;
  /** Running sample systems to use; started (and stopped) here when absent. */
  samples?: SampleSystems;
  /** Extra `${NAME}` values for registration files. */
  variables?: Record<string, string>;
  now?: () => Date;
}

export interface TestGateway {
  gateway: RunningGateway;
  samples: SampleSystems;
  logger: ReturnType<typeof createTestLogger>;
  url: string;
  /** The embedded default's demo keys, one per role. */
  keys: Record<Role, string>;
  /**
   * POSTs a GraphQL operation and returns the parsed JSON answer; as the demo admin unless `as`
   * names another role (or `null`: no credentials).
   */
  query<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    as?: Role | null,
  ): Promise<{
    data?: T;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  }>;
  close(): Promise<void>;
}

/** A fixed key for sealing registration secrets in tests (32 bytes of 0x01). */
export const TEST_SECRETS_KEY = `t1:${Buffer.alloc(32, 1).toString('base64')}`;

/** A real gateway on a free loopback port in front of real sample systems. */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const ownSamples = options.samples === undefined;
  const samples = options.samples ?? (await startSampleSystems({ size: 3000, seed: 2025 }));
  const logger = createTestLogger();
  // Each gateway writes its audit chain into a folder of its own, unless the test names one.
  const auditDir = await mkdtemp(join(tmpdir(), 'audit-'));
  const registryDir = await mkdtemp(join(tmpdir(), 'registry-'));
  const config = readConfig(
    {
      PORT: '0',
      LOG_LEVEL: 'silent',
      AUDIT_DIR: auditDir,
      REGISTRY_DIR: registryDir,
      SECRETS_KEY: TEST_SECRETS_KEY,
      // Tests of other features must not trip the per-principal limit; its own test sets it.
      RATE_LIMITS: 'portal=100000,province-it=100000,auditor=100000,admin=100000,anonymous=100000',
      // Polls for changes would add calls to the sample systems' counts; their own tests turn them on.
      CHANGE_POLLS: 'false',
      ...options.env,
    },
    PROJECT_ROOT,
  );
  const gateway = await startGateway(config, {
    logger,
    kinds: BUILTIN_KINDS,
    variables: { ...samples.variables, ...options.variables },
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return {
    gateway,
    samples,
    logger,
    url: gateway.url,
    keys: gateway.demoKeys as Record<Role, string>,
    query: async (query, variables, as = 'admin') => {
      const key = as === null ? undefined : gateway.demoKeys?.[as];
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(key === undefined ? {} : { 'x-api-key': key }),
        },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as never;
    },
    close: async () => {
      await gateway.close();
      await rm(auditDir, { recursive: true, force: true });
      await rm(registryDir, { recursive: true, force: true });
      if (ownSamples) await samples.close();
    },
  };
}

/** Reads a sample system's call counters and resets them. */
export function takeStats(system: { stats: SampleStats }): SampleStats {
  const copy = { ...system.stats, requestIds: [...system.stats.requestIds] };
  Object.assign(system.stats, emptyStats());
  return copy;
}
