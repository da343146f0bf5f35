import { resolve } from 'node:path';
import type { AuditStore } from '../audit/auditChain';
import { FileAuditStore } from '../audit/FileAuditStore';
import { RedisAuditStore } from '../audit/RedisAuditStore';
import { processName } from '../platform/processName';
import { redisTargetFromEnv, type RedisTarget } from '../redis/connectRedis';

/**
 * Where the command-line tools find the audit log: as the gateway does (AUDIT_DIR; else Redis at
 * REDIS_CLUSTER_NODES or REDIS_URL; else the embedded default's `var/audit`).
 */
export function auditLocation(
  env: NodeJS.ProcessEnv,
): { kind: 'file'; dir: string } | { kind: 'redis'; target: RedisTarget; keyPrefix: string } {
  if (env.AUDIT_DIR) return { kind: 'file', dir: resolve(env.AUDIT_DIR) };
  const redis = redisTargetFromEnv(env);
  if (redis !== null)
    return { kind: 'redis', target: redis, keyPrefix: env.REDIS_KEY_PREFIX ?? 'dvcgw:' };
  return { kind: 'file', dir: resolve('var/audit') };
}

/** An audit store for a command-line process, with its own chain (`cli-…`). */
export async function openCliAuditStore(env: NodeJS.ProcessEnv): Promise<AuditStore> {
  const where = auditLocation(env);
  const writer = `cli-${processName()}`;
  return where.kind === 'file'
    ? FileAuditStore.open(where.dir, writer)
    : new RedisAuditStore(where.target, where.keyPrefix, writer);
}
