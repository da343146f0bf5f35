import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { readSyncOutbox } from '../config/syncConfig';
import { projectRoot } from '../platform/projectRoot';
import { describeRedis, redisTargetFromEnv } from '../redis/connectRedis';
import { FileOutbox } from '../services/sync/FileOutbox';
import type { Outbox } from '../services/sync/Outbox';
import { RedisStreamOutbox } from '../services/sync/RedisStreamOutbox';

const USAGE = `The sync bridge's outbox, where the gateway keeps it (Redis at REDIS_URL / REDIS_CLUSTER_NODES,
else the folder SYNC_OUTBOX_DIR, default var/sync-outbox; docs/sync-bridge.md).

  npm run sync -- stats                               per connector: backlog, delivered, dead letters
  npm run sync -- dead [--since ISO]                  dead letters with their reasons
  npm run sync -- replay [--since ISO] [--id ID …]    re-queue dead letters (all, given up since, or these)
  npm run sync -- replay --delivered --since ISO [--until ISO]
                                                      send again the changes appended in that time
                                                      that were delivered (kept SYNC_KEEP_DELIVERED_MINUTES)

With the file outbox, run it while the gateway is stopped (one process holds the folder).`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      since: { type: 'string' },
      until: { type: 'string' },
      id: { type: 'string', multiple: true },
      delivered: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const [command] = positionals;
  if (values.help || command === undefined || !['stats', 'dead', 'replay'].includes(command)) {
    process.stdout.write(`${USAGE}\n`);
    return values.help || command === undefined ? 0 : 2;
  }
  const since = time(values.since, '--since');
  const until = time(values.until, '--until');
  if (values.delivered && since === undefined) {
    process.stderr.write('replay --delivered needs --since <ISO time>\n');
    return 2;
  }
  const { outbox, place } = await openOutbox(process.env);
  try {
    if (command === 'stats') {
      const counts = await outbox.counts();
      if (counts.size === 0) process.stdout.write(`nothing appended yet in ${place}\n`);
      for (const [connector, count] of counts) {
        const backlog = Math.max(0, count.appended - count.delivered - count.deadLetters);
        process.stdout.write(
          `${connector}  backlog ${backlog}  delivered ${count.delivered}  dead letters ${count.deadLetters}  last delivered ${count.lastDeliveredAt ?? '-'}\n`,
        );
      }
      return 0;
    }
    if (command === 'dead') {
      const letters = await outbox.deadLetters(since);
      for (const letter of letters)
        process.stdout.write(
          `${letter.id}  ${letter.at}  ${letter.change.connectorId}  ${letter.change.code}  state ${letter.change.state}  attempts ${letter.attempts}\n    ${letter.reason}\n`,
        );
      process.stdout.write(`${letters.length} dead letter(s) in ${place}\n`);
      return 0;
    }
    if (values.delivered) {
      const count = await outbox.replayDelivered(since as Date, until ?? new Date());
      process.stdout.write(`${count} delivered change(s) queued again in ${place}\n`);
      return 0;
    }
    const count = await outbox.replayDead({
      ...(values.id === undefined ? {} : { ids: values.id }),
      ...(since === undefined ? {} : { since }),
    });
    process.stdout.write(`${count} dead letter(s) queued again in ${place}\n`);
    return 0;
  } finally {
    await outbox.close();
  }
}

function time(value: string | undefined, flag: string): Date | undefined {
  if (value === undefined) return undefined;
  const at = new Date(value);
  if (Number.isNaN(at.getTime()))
    throw new Error(`${flag} must be an ISO 8601 time (2026-12-07T08:00:00+07:00)`);
  return at;
}

async function openOutbox(env: NodeJS.ProcessEnv): Promise<{ outbox: Outbox; place: string }> {
  const target = redisTargetFromEnv(env);
  const redis = target === null ? null : { target, keyPrefix: env.REDIS_KEY_PREFIX ?? 'dvcgw:' };
  const where = readSyncOutbox(env, projectRoot(), redis);
  if (where.kind === 'file') return { outbox: await FileOutbox.open(where.dir), place: where.dir };
  return {
    // Refused, named, when SYNC_PARTITIONS is not the count the outbox was made with.
    outbox: await RedisStreamOutbox.open({
      ...where,
      consumer: `cli-${randomBytes(3).toString('hex')}`,
      now: Date.now,
    }),
    place: `${describeRedis(where.target)} (${where.keyPrefix})`,
  };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  },
);
