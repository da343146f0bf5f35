import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSyncConfig } from '../../src/config/syncConfig';
import { ConfigurationError } from '../../src/errors/ConfigurationError';

const REDIS = { target: 'redis://127.0.0.1:6379', keyPrefix: 'dvcgw:' };

describe('SYNC_* settings', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sync-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const problems = (env: Record<string, string>, redis: typeof REDIS | null = null) => {
    try {
      readSyncConfig(env, dir, redis);
    } catch (error) {
      if (error instanceof ConfigurationError) return error.problems.map((p) => p.path);
      throw error;
    }
    return [];
  };

  it('is off without a sink', () => {
    expect(readSyncConfig({ SYNC_MAX_ATTEMPTS: '3' }, dir, REDIS)).toBeNull();
  });

  it('keeps the outbox in Redis when the gateway has it, else in a folder', () => {
    const url = 'https://dongbo.example/api/DongBoHoSoMC';
    expect(readSyncConfig({ SYNC_SINK_URL: url }, dir, REDIS)).toMatchObject({
      sink: { url, timeoutMs: 10_000, auth: { type: 'none' }, hmacSecret: null },
      outbox: { kind: 'redis', partitions: 16, leaseMs: 15_000, keepDeliveredMs: 3_600_000 },
      delivery: { maxAttempts: 8, backoffBaseMs: 1000, backoffMaxMs: 60_000 },
    });
    expect(readSyncConfig({ SYNC_SINK_URL: url }, dir, null)?.outbox).toEqual({
      kind: 'file',
      dir: join(dir, 'var', 'sync-outbox'),
    });
  });

  it('reads secrets from the variable or from a file, never both', () => {
    writeFileSync(join(dir, 'hmac'), 'bí-mật\n');
    const config = readSyncConfig(
      {
        SYNC_SINK_URL: 'https://dongbo.example/sync',
        SYNC_SINK_AUTH: 'oauth2',
        SYNC_SINK_TOKEN_URL: 'https://dongbo.example/token',
        SYNC_SINK_CLIENT_ID: 'gateway',
        SYNC_SINK_CLIENT_SECRET: 's3cret',
        SYNC_SINK_HMAC_SECRET_FILE: 'hmac',
      },
      dir,
      null,
    );
    expect(config?.sink.hmacSecret).toBe('bí-mật');
    expect(config?.sink.auth).toMatchObject({
      type: 'oauth2ClientCredentials',
      clientSecret: 's3cret',
    });
    expect(
      problems({
        SYNC_SINK_URL: 'https://dongbo.example/sync',
        SYNC_SINK_HMAC_SECRET: 'a',
        SYNC_SINK_HMAC_SECRET_FILE: 'hmac',
      }),
    ).toEqual(['SYNC_SINK_HMAC_SECRET']);
  });

  it('names every variable that is wrong or missing', () => {
    expect(
      problems({
        SYNC_SINK_URL: 'https://dongbo.example/sync',
        SYNC_SINK_AUTH: 'apiKey',
        SYNC_OUTBOX: 'redis',
        SYNC_SINK_PASSWORD_FILE: 'missing',
      }),
    ).toEqual(['SYNC_SINK_PASSWORD_FILE', 'SYNC_SINK_API_KEY', 'SYNC_OUTBOX']);
    expect(problems({ SYNC_SINK_URL: 'ftp://x', SYNC_PARTITIONS: '0' })).toEqual([
      'SYNC_SINK_URL',
      'SYNC_PARTITIONS',
    ]);
  });
});
