import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer, type RedisServer } from './redisServer';

declare global {
  var __TEST_REDIS__: RedisServer | undefined;
}

/**
 * One real redis-server for the whole run (tests read its URL from TEST_REDIS_URL), and one folder
 * for every log line the run writes (TEST_LOG_DIR), searched for personal data at the end.
 */
export default async function globalSetup(): Promise<void> {
  const redis = await startRedisServer();
  globalThis.__TEST_REDIS__ = redis;
  process.env.TEST_REDIS_URL = redis.url;
  process.env.TEST_LOG_DIR = mkdtempSync(join(tmpdir(), 'dvcgw-test-logs-'));
}
