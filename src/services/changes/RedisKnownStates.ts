import type { RedisClient, RedisTarget } from '../../redis/connectRedis';
import { GuardedRedis } from '../../redis/GuardedRedis';
import type { KnownStates, Observed } from './KnownStates';

/**
 * Compare-and-set of many dossiers' states in one step: for each (code, full, core, open,
 * version), the full digest known before when the state is new ('' when never seen), false when
 * it is the one known or older than it (then nothing is recorded). The hash holds
 * `full core version` per code; the sorted set holds open codes by the time of their last check.
 */
const COMPARE_AND_SET = `
local out = {}
local at = ARGV[1]
for i = 2, #ARGV, 5 do
  local code = ARGV[i]
  local full = ARGV[i + 1]
  local before = redis.call('HGET', KEYS[1], code)
  local verdict = ''
  if before then
    local known = string.match(before, '^(%S*)')
    local version = tonumber(string.match(before, '^%S+ %S+ (%S+)') or '0') or 0
    if known == full or tonumber(ARGV[i + 4]) < version then verdict = false else verdict = known end
  end
  if verdict ~= false then
    redis.call('HSET', KEYS[1], code, full .. ' ' .. ARGV[i + 2] .. ' ' .. ARGV[i + 4])
  end
  out[#out + 1] = verdict
  if verdict ~= false and ARGV[i + 3] == '0' then
    redis.call('ZREM', KEYS[2], code)
  elseif ARGV[i + 3] == '1' or redis.call('ZSCORE', KEYS[2], code) then
    redis.call('ZADD', KEYS[2], at, code)
  end
end
return out
`;

/** Codes checked without a state: a later check time for those still in the rotation. */
const TOUCH = `
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', ARGV[1], ARGV[i])
end
return 1
`;

/** The changed-since mark moves forward only. */
const ADVANCE = `
local before = redis.call('GET', KEYS[1])
if before == false or tonumber(before) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1])
end
return 1
`;

/**
 * Last known states on Redis, shared by the replicas: per system a hash of states and a sorted
 * set of its open dossiers, and the changed-since mark (a plain key), under one hash tag
 * (`{<prefix>changes:<id>}`) so that a Redis Cluster keeps them in one slot and each
 * compare-and-set is one script. A state is about 60 bytes.
 */
export class RedisKnownStates implements KnownStates {
  readonly kind = 'redis' as const;
  /**
   * The request path's connection and circuit breaker (docs/REDIS.md), or one of its own: while
   * Redis is away, readings fail at once and nothing queues up for when it returns.
   */
  private readonly guarded: GuardedRedis;
  private readonly owned: boolean;
  private readonly connected: Promise<void>;

  constructor(
    redis: RedisTarget | GuardedRedis,
    private readonly keyPrefix: string,
  ) {
    const adopted = GuardedRedis.adopt(redis, { commandTimeoutMs: 2_000 });
    this.guarded = adopted.redis;
    this.owned = adopted.owned;
    this.connected = this.guarded.ready().catch(() => undefined);
  }

  private async run<T>(command: (client: RedisClient) => Promise<T>): Promise<T> {
    await this.connected;
    return this.guarded.run(command);
  }

  async compareAndSet(
    connectorId: string,
    observed: readonly Observed[],
    at: number,
  ): Promise<Array<string | null | undefined>> {
    if (observed.length === 0) return [];
    const args: string[] = [String(at)];
    for (const state of observed)
      args.push(state.code, state.full, state.core, state.open ? '1' : '0', String(state.version));
    const [states, open] = this.keys(connectorId);
    const answer = (await this.run((redis) =>
      redis.eval(COMPARE_AND_SET, 2, states, open, ...args),
    )) as Array<string | null>;
    // Lua's false comes back as null; '' is "never seen".
    return answer.map((before) => (before === null ? undefined : before === '' ? null : before));
  }

  async compare(
    connectorId: string,
    observed: readonly Observed[],
  ): Promise<Array<string | null | undefined>> {
    if (observed.length === 0) return [];
    const values = await this.run((redis) =>
      redis.hmget(this.keys(connectorId)[0], ...observed.map((state) => state.code)),
    );
    return observed.map((state, index) => {
      const value = values[index];
      if (value === null || value === undefined) return null;
      const [full = '', , version = '0'] = value.split(' ');
      if (full === '') return null;
      return full === state.full || state.version < Number(version) ? undefined : full;
    });
  }

  async cores(
    connectorId: string,
    codes: readonly string[],
  ): Promise<Array<{ core: string; version: number } | null>> {
    if (codes.length === 0) return [];
    const values = await this.run((redis) => redis.hmget(this.keys(connectorId)[0], ...codes));
    return values.map((value) => {
      if (value === null) return null;
      const [, core, version = '0'] = value.split(' ');
      return core === undefined ? null : { core, version: Number(version) || 0 };
    });
  }

  async dueForRecheck(connectorId: string, limit: number): Promise<string[]> {
    return this.run((redis) => redis.zrange(this.keys(connectorId)[1], 0, limit - 1));
  }

  async touch(connectorId: string, codes: readonly string[], at: number): Promise<void> {
    if (codes.length === 0) return;
    await this.run((redis) =>
      redis.eval(TOUCH, 1, this.keys(connectorId)[1], String(at), ...codes),
    );
  }

  async unsee(connectorId: string, codes: readonly string[]): Promise<void> {
    if (codes.length === 0) return;
    const [states, open] = this.keys(connectorId);
    await this.run((redis) =>
      redis
        .multi()
        .hdel(states, ...codes)
        .zadd(open, ...codes.flatMap((code) => [0, code]))
        .exec(),
    );
  }

  async drop(connectorId: string, codes: readonly string[]): Promise<void> {
    if (codes.length === 0) return;
    const [states, open] = this.keys(connectorId);
    await this.run((redis) =>
      redis
        .multi()
        .hdel(states, ...codes)
        .zrem(open, ...codes)
        .exec(),
    );
  }

  async openCount(connectorId: string): Promise<number> {
    return this.run((redis) => redis.zcard(this.keys(connectorId)[1]));
  }

  async mark(connectorId: string): Promise<number | null> {
    const value = await this.run((redis) => redis.get(this.markKey(connectorId)));
    const at = value === null ? Number.NaN : Number(value);
    return Number.isFinite(at) ? at : null;
  }

  async setMark(connectorId: string, at: number): Promise<void> {
    await this.run((redis) => redis.eval(ADVANCE, 1, this.markKey(connectorId), String(at)));
  }

  async close(): Promise<void> {
    if (this.owned) await this.guarded.close();
  }

  private keys(connectorId: string): [string, string] {
    const tag = `{${this.keyPrefix}changes:${connectorId}}`;
    return [`${tag}:states`, `${tag}:open`];
  }

  private markKey(connectorId: string): string {
    return `{${this.keyPrefix}changes:${connectorId}}:mark`;
  }
}
