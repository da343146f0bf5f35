import { describeRedis } from '../redis/connectRedis';
import { readAuditFolder } from '../audit/FileAuditStore';
import { RedisAuditStore } from '../audit/RedisAuditStore';
import { verifyChain, type AuditRecord, type ChainHead } from '../audit/auditChain';
import { auditLocation } from './auditEnv';

/**
 * `npm run audit -- verify`: checks every writer's hash chain in the audit log the gateway uses
 * (AUDIT_DIR, else REDIS_CLUSTER_NODES or REDIS_URL, else var/audit) and its head. Exit 0 when every chain verifies, 1
 * with each problem named (edited, deleted, reordered or truncated entries) otherwise.
 */
async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  if (command !== 'verify') {
    process.stdout.write(
      'usage: npm run audit -- verify   (AUDIT_DIR, or REDIS_URL / REDIS_CLUSTER_NODES, as for the gateway)\n',
    );
    return command === undefined || command === '--help' ? 0 : 2;
  }
  const where = auditLocation(process.env);
  let chains: Map<string, { records: AuditRecord[]; head: ChainHead | null }>;
  if (where.kind === 'file') {
    chains = await readAuditFolder(where.dir);
  } else {
    const reader = new RedisAuditStore(where.target, where.keyPrefix, 'verify');
    try {
      chains = await reader.readAll();
    } finally {
      await reader.close();
    }
  }
  const place =
    where.kind === 'file' ? where.dir : `${describeRedis(where.target)} (${where.keyPrefix})`;
  if (chains.size === 0) {
    process.stdout.write(`no audit chains in ${place}\n`);
    return 0;
  }
  let failed = 0;
  for (const [writer, chain] of chains) {
    const problems = verifyChain(writer, chain.records, chain.head);
    if (problems.length === 0) {
      process.stdout.write(`ok      ${writer}: ${chain.records.length} entries\n`);
    } else {
      failed += 1;
      process.stdout.write(`BROKEN  ${writer}: ${chain.records.length} entries\n`);
      for (const problem of problems) process.stdout.write(`          ${problem}\n`);
    }
  }
  process.stdout.write(
    `${chains.size} chains in ${place}: ${failed === 0 ? 'all verify' : `${failed} broken`}\n`,
  );
  return failed === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  },
);
