import { startRedisServer, type RedisServer } from './redisServer';

declare global {
  var __TEST_REDIS__: RedisServer | undefined;
}

/** One real redis-server for the whole run; tests read its URL from TEST_REDIS_URL. */
export default async function globalSetup(): Promise<void> {
  const redis = await startRedisServer();
  globalThis.__TEST_REDIS__ = redis;
  process.env.TEST_REDIS_URL = redis.url;
}
