import { mkdtemp, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_KINDS } from '../../connectors/builtinKinds';
import { readConfig } from '../../src/config/readConfig';
import { ConfigurationError } from '../../src/errors/ConfigurationError';
import { startGateway } from '../../src/startGateway';
import { freePort } from '../support/redisServer';
import { createTestLogger } from '../support/testLogger';
import { PROJECT_ROOT, SAMPLE_REGISTRATIONS } from '../support/testGateway';

describe('Start-up: an invalid registration file stops it, nothing half registered', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'gateway-start-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('refuses to start, naming the file, field and problem, and never opens its port', async () => {
    await copyFile(
      join(SAMPLE_REGISTRATIONS, 'thanh-hoa-motcua.yaml'),
      join(folder, 'thanh-hoa-motcua.yaml'),
    );
    await writeFile(
      join(folder, 'broken.yaml'),
      'id: Broken Id\nkind: rest-json\nname: x\ncoverage: { units: [H01] }\nupstream: { baseUrl: "http://127.0.0.1:1", timeoutMs: 10 }\nconfig: {}\n',
    );
    const port = await freePort();
    const config = readConfig({ PORT: String(port), REGISTRATIONS_DIR: folder }, PROJECT_ROOT);
    const failure = await startGateway(config, {
      logger: createTestLogger(),
      kinds: BUILTIN_KINDS,
      variables: { SAMPLE_REST_URL: 'http://127.0.0.1:1', SAMPLE_REST_API_KEY: 'k' },
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigurationError);
    const message = (failure as Error).message;
    expect(message).toContain(
      `${join(folder, 'broken.yaml')} → id: lower-case letters, digits and dashes`,
    );
    expect(message).toContain('→ upstream.timeoutMs: Too small: expected number to be >=50');
    expect(message).toContain('→ config.lookup:');
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('reports every bad environment variable at once', () => {
    expect(() =>
      readConfig({ PORT: 'eighty', CACHE: 'disk', GATEWAY_MODE: 'production' }, PROJECT_ROOT),
    ).toThrow(/environment → PORT: .*\n.*environment → CACHE: .*/);
    expect(() => readConfig({ GATEWAY_MODE: 'production' }, PROJECT_ROOT)).toThrow(
      /REGISTRATIONS_DIR: required in production mode[\s\S]*AGENCY_DIRECTORY: required/,
    );
  });

  it('takes a Redis Cluster as seed nodes, and refuses both a server and a Cluster', () => {
    const config = readConfig(
      { REDIS_CLUSTER_NODES: '127.0.0.1:7000, redis://127.0.0.1:7001', REDIS_KEY_PREFIX: 'x:' },
      PROJECT_ROOT,
    );
    const target = { cluster: ['redis://127.0.0.1:7000', 'redis://127.0.0.1:7001'] };
    expect(config.redis).toEqual({ target, keyPrefix: 'x:' });
    expect(config.cache).toMatchObject({ kind: 'redis', target });
    expect(config.registry).toEqual({ kind: 'redis', target, keyPrefix: 'x:' });
    expect(config.audit).toMatchObject({ kind: 'redis', target });
    expect(() =>
      readConfig(
        { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: '127.0.0.1:7000' },
        PROJECT_ROOT,
      ),
    ).toThrow(/REDIS_CLUSTER_NODES: set either REDIS_URL .* or REDIS_CLUSTER_NODES/);
    expect(() => readConfig({ REDIS_CLUSTER_NODES: 'http://h:1' }, PROJECT_ROOT)).toThrow(
      /REDIS_CLUSTER_NODES.*host:port or redis:\/\/ URLs/,
    );
  });
});
