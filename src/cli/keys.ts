import { parseArgs } from 'node:util';
import { FileApiKeyStore, type ApiKeyStore } from '../auth/apiKeys';
import { RedisApiKeyStore } from '../auth/RedisApiKeyStore';
import { isRole, ROLES } from '../auth/roles';
import { ApiKeyService } from '../services/access/ApiKeyService';
import { AuditService } from '../services/audit/AuditService';
import { openCliAuditStore } from './auditEnv';
import { redisTargetFromEnv } from '../redis/connectRedis';

const USAGE = `API keys of the gateway, in the store the gateway uses (API_KEYS_FILE, else REDIS_CLUSTER_NODES or REDIS_URL).

  npm run keys -- create --role admin --name "Quản trị hệ thống" [--expires 2027-12-31T23:59:59+07:00]
  npm run keys -- create --role province-it --name "Sở TT&TT Thanh Hóa" --agencies H56 --connectors thanh-hoa-motcua
  npm run keys -- list [--all]
  npm run keys -- revoke <key id>

Roles: ${ROLES.join(', ')}. The key is printed once, on creation; only its hash is kept.`;

async function openStore(env: NodeJS.ProcessEnv): Promise<ApiKeyStore> {
  if (env.API_KEYS_FILE) return FileApiKeyStore.open(env.API_KEYS_FILE);
  const redis = redisTargetFromEnv(env);
  if (redis !== null) return new RedisApiKeyStore(redis, env.REDIS_KEY_PREFIX ?? 'dvcgw:');
  throw new Error(
    'set API_KEYS_FILE (one machine) or REDIS_URL / REDIS_CLUSTER_NODES (replicas) as for the gateway',
  );
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      name: { type: 'string' },
      agencies: { type: 'string' },
      connectors: { type: 'string' },
      expires: { type: 'string' },
      all: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const [command, argument] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined && !values.help ? 2 : 0;
  }
  const store = await openStore(process.env);
  const auditStore = await openCliAuditStore(process.env);
  // The audit head of each change goes to stderr, for the operator's own records.
  const note = (fields: Record<string, unknown>, message: string) =>
    process.stderr.write(`${message} ${JSON.stringify(fields)}\n`);
  const logger = {
    debug: () => undefined,
    info: note,
    warn: note,
    error: note,
  };
  const keys = new ApiKeyService(
    store,
    null,
    new AuditService(auditStore, logger, () => new Date()),
    () => new Date(),
  );
  const list = (value: string | undefined) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  try {
    switch (command) {
      case 'create': {
        if (!isRole(values.role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
        if (values.name === undefined) throw new Error('--name is required');
        const result = await keys.create(
          {
            name: values.name,
            role: values.role,
            agencies: list(values.agencies),
            connectors: list(values.connectors),
            expiresAt: values.expires ?? null,
          },
          'cli',
        );
        if (!result.ok) throw new Error(result.error.message);
        process.stdout.write(
          `${JSON.stringify(result.value.apiKey)}\n\nKey (shown once; send it as X-Api-Key):\n${result.value.key}\n`,
        );
        return 0;
      }
      case 'list':
        for (const key of await keys.list(values.all))
          process.stdout.write(`${JSON.stringify(key)}\n`);
        return 0;
      case 'revoke': {
        if (argument === undefined) throw new Error('revoke needs a key id');
        const result = await keys.revoke(argument, 'cli');
        if (!result.ok) throw new Error(result.error.message);
        process.stdout.write(`${JSON.stringify(result.value)}\nrevoked\n`);
        return 0;
      }
      default:
        throw new Error(`unknown command ${command}\n\n${USAGE}`);
    }
  } finally {
    await store.close();
    await auditStore.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  },
);
