import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  FileRegistryStore,
  RedisRegistryStore,
  type RegistryStore,
} from '../registry/RegistryStore';
import { mapSecrets, SecretBox } from '../registry/secretBox';
import { AuditService } from '../services/audit/AuditService';
import { vietnamIso } from '../services/vietnamTime';
import { openCliAuditStore } from './auditEnv';

const USAGE = `Runtime registrations' secrets key, as the gateway uses it.

  npm run connectors -- new-key [kid]     print a new key line (kid:base64) for SECRETS_KEY(_FILE)
  npm run connectors -- reencrypt         re-seal every current registration with the first key

Key rotation: put the new key line first and keep the old one after it (SECRETS_KEY_FILE, one per
line), restart the gateways, run reencrypt, then drop the old key once no old version is needed
for a rollback. Store: REGISTRY_DIR, else REDIS_URL (as for the gateway).`;

async function main(argv: string[]): Promise<number> {
  const [command, argument] = argv;
  if (command === 'new-key') {
    process.stdout.write(`${SecretBox.generateKeyText(argument ?? `k${Date.now()}`)}\n`);
    return 0;
  }
  if (command !== 'reencrypt') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined || command === '--help' ? 0 : 2;
  }
  const env = process.env;
  const keyText =
    env.SECRETS_KEY ??
    (env.SECRETS_KEY_FILE ? await readFile(env.SECRETS_KEY_FILE, 'utf8') : undefined);
  if (keyText === undefined)
    throw new Error('set SECRETS_KEY or SECRETS_KEY_FILE, as for the gateway');
  const box = SecretBox.fromText(keyText);
  const store: RegistryStore = env.REGISTRY_DIR
    ? await FileRegistryStore.open(resolve(env.REGISTRY_DIR))
    : env.REDIS_URL
      ? new RedisRegistryStore(env.REDIS_URL, env.REDIS_KEY_PREFIX ?? 'dvcgw:')
      : await FileRegistryStore.open(resolve('var/registry'));
  const note = (fields: Record<string, unknown>, message: string) =>
    process.stderr.write(`${message} ${JSON.stringify(fields)}\n`);
  const auditStore = await openCliAuditStore(env);
  const audit = new AuditService(
    auditStore,
    { debug: () => undefined, info: note, warn: note, error: note },
    () => new Date(),
  );
  try {
    let changed = 0;
    for (const latest of await store.latest()) {
      if (latest.deleted) continue;
      let stale = false;
      const document = mapSecrets(latest.document, (sealed) => {
        if (!SecretBox.isSealed(sealed) || SecretBox.kidOf(sealed) === box.currentKid)
          return sealed;
        stale = true;
        return box.seal(box.open(sealed));
      }) as Record<string, unknown>;
      if (!stale) continue;
      const put = await store.put(
        {
          ...latest,
          version: latest.version + 1,
          document,
          updatedAt: vietnamIso(new Date()),
          updatedBy: 'cli',
          note: `re-encrypted with key ${box.currentKid}`,
        },
        latest.version,
      );
      if (!put.ok)
        throw new Error(`${latest.id} changed meanwhile (v${put.currentVersion}); run again`);
      changed += 1;
      const written = await audit.record('cli', {
        action: 'registry.reencrypt',
        operation: 'npm run connectors reencrypt',
        codes: [],
        scope: `${latest.id} v${latest.version + 1} (sealed with ${box.currentKid})`,
        purpose: null,
        outcome: 'ok',
      });
      if (!written.ok) process.stderr.write(`${latest.id}: not recorded in the audit log\n`);
      process.stdout.write(`${latest.id}: v${latest.version + 1}, sealed with ${box.currentKid}\n`);
    }
    process.stdout.write(`${changed} registration(s) re-encrypted\n`);
    return 0;
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
