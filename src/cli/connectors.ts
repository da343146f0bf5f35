import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  FileRegistrationStore,
  RedisRegistrationStore,
  type RegistrationStore,
} from '../registry/RegistrationStore';
import { mapSecrets, SecretBox } from '../registry/secretBox';
import { AuditService } from '../services/audit/AuditService';
import { vietnamIso } from '../domain/vietnamTime';
import { openCliAuditStore } from './auditEnv';
import { readRegistrationFile } from './registrationFile';
import { CHECK_SELECTION, formatCheck, type CheckAnswer } from './checkTable';
import { gateway } from './gatewayClient';
import { redisTargetFromEnv, type RedisTarget } from '../redis/connectRedis';

const USAGE = `Connectors of a running gateway (GATEWAY_URL, default http://127.0.0.1:4000; GATEWAY_API_KEY,
a province-it or admin key), and the key sealing their secrets.

  npm run connectors -- list
  npm run connectors -- show <id>
  npm run connectors -- versions <id>
  npm run connectors -- test <file.yaml> [dossier code …]     dry run, nothing stored
  npm run connectors -- check <file.yaml> [dossier code …] [--agency <code>] [--days <n>] [--json]
      conformance check against the live system, nothing stored: a verdict per check;
      exit code 1 when a check fails (warnings do not fail it)
  npm run connectors -- register <file.yaml>
  npm run connectors -- update <id> <version> <file.yaml>
  npm run connectors -- enable|disable <id> <version>
  npm run connectors -- delete <id> <version>
  npm run connectors -- rollback <id> <version> <to version>

test, check, register and update send the same document: \${NAME} (or \${NAME:-default}) in the
file is filled from your environment first, and a variable that is not set is refused, named.
Secrets travel once to the gateway (use an https GATEWAY_URL), which seals them and shows ********.

  npm run connectors -- new-key [kid]     print a new key line (kid:base64) for SECRETS_KEY(_FILE)
  npm run connectors -- reencrypt         re-seal every current registration with the first key

Key rotation: put the new key line first and keep the old one after it (SECRETS_KEY_FILE, one per
line), restart the gateways, run reencrypt, then drop the old key once no old version is needed
for a rollback. reencrypt works on the store directly: REGISTRY_DIR, else REDIS_CLUSTER_NODES or REDIS_URL.`;

async function main(argv: string[]): Promise<number> {
  const [command, argument] = argv;
  if (command === 'new-key') {
    process.stdout.write(`${SecretBox.generateKeyText(argument ?? `k${Date.now()}`)}\n`);
    return 0;
  }
  if (command !== undefined && command in API_COMMANDS) {
    return API_COMMANDS[command as keyof typeof API_COMMANDS](argv.slice(1));
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
  const redis: RedisTarget | null = redisTargetFromEnv(env);
  const store: RegistrationStore = env.REGISTRY_DIR
    ? await FileRegistrationStore.open(resolve(env.REGISTRY_DIR))
    : redis !== null
      ? new RedisRegistrationStore(redis, env.REDIS_KEY_PREFIX ?? 'dvcgw:')
      : await FileRegistrationStore.open(resolve('var/registry'));
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
      // As every registry change: written with its audit entry, or not at all.
      const written = await audit.recordChange(
        'cli',
        {
          action: 'registry.reencrypt',
          operation: 'npm run connectors reencrypt',
          codes: [],
          scope: `${latest.id} v${latest.version + 1} (sealed with ${box.currentKid})`,
          purpose: null,
          outcome: 'ok',
        },
        (entry) =>
          store.put(
            {
              ...latest,
              version: latest.version + 1,
              document,
              updatedAt: vietnamIso(new Date()),
              updatedBy: 'cli',
              note: `re-encrypted with key ${box.currentKid}`,
            },
            latest.version,
            entry,
          ),
      );
      if (!written.ok) throw new Error(`${latest.id}: ${written.error.message}`);
      if (!written.result.ok)
        throw new Error(
          `${latest.id} changed meanwhile (v${written.result.currentVersion}); run again`,
        );
      changed += 1;
      process.stdout.write(`${latest.id}: v${latest.version + 1}, sealed with ${box.currentKid}\n`);
    }
    process.stdout.write(`${changed} registration(s) re-encrypted\n`);
    return 0;
  } finally {
    await store.close();
    await auditStore.close();
  }
}

const CONNECTOR =
  'id name kind origin version enabled coverage { units agencies dossierCodePattern } updatedAt updatedBy';

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
const number = (text: string | undefined, what: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${what} must be a version number`);
  return value;
};
const need = (value: string | undefined, what: string) => {
  if (value === undefined) throw new Error(`missing ${what}\n\n${USAGE}`);
  return value;
};

const API_COMMANDS = {
  list: async () => {
    print(
      (await gateway<{ connectors: unknown }>(`{ connectors { ${CONNECTOR} } }`, {})).connectors,
    );
    return 0;
  },
  show: async ([id]: string[]) => {
    const found = await gateway<{ connector: { document: string } | null }>(
      `query ($id: ID!) { connector(id: $id) { ${CONNECTOR} document } }`,
      { id: need(id, 'id') },
    );
    if (found.connector === null) throw new Error(`NOT_FOUND: no connector ${id}`);
    const { document, ...rest } = found.connector;
    print(rest);
    process.stdout.write(`\n${document}`);
    return 0;
  },
  versions: async ([id]: string[]) => {
    print(
      (
        await gateway<{ connectorVersions: unknown }>(
          'query ($id: ID!) { connectorVersions(id: $id) { version enabled deleted updatedAt updatedBy note } }',
          { id: need(id, 'id') },
        )
      ).connectorVersions,
    );
    return 0;
  },
  test: async ([file, ...codes]: string[]) => {
    print(
      (
        await gateway<{ testConnector: unknown }>(
          `mutation ($d: String!, $c: [String!]!) { testConnector(document: $d, codes: $c) {
            connector dossiers { code found error { code message } }
            fieldsFilled { field filled of } unmappedStatuses warnings { field problem count }
            sample { code procedureName status { value raw } receivedAt dueAt applicant { name } }
            catalogue { entries codes warnings { field problem count } error { code message } } } }`,
          { d: await readRegistrationFile(need(file, 'file'), process.env), c: codes },
        )
      ).testConnector,
    );
    return 0;
  },
  check: async (args: string[]) => {
    const { file, codes, agency, days, json } = checkArguments(args);
    const answer = (
      await gateway<{ checkConnector: CheckAnswer }>(
        `mutation ($d: String!, $c: [String!]!, $a: String, $n: Int!) {
          checkConnector(document: $d, codes: $c, agency: $a, days: $n) { ${CHECK_SELECTION} } }`,
        { d: await readRegistrationFile(file, process.env), c: codes, a: agency, n: days },
      )
    ).checkConnector;
    if (json) print(answer);
    else process.stdout.write(formatCheck(answer));
    return answer.verdict === 'FAIL' ? 1 : 0;
  },
  register: async ([file]: string[]) => {
    print(
      (
        await gateway<{ registerConnector: unknown }>(
          `mutation ($d: String!) { registerConnector(document: $d) { ${CONNECTOR} } }`,
          { d: await readRegistrationFile(need(file, 'file'), process.env) },
        )
      ).registerConnector,
    );
    return 0;
  },
  update: async ([id, version, file]: string[]) => {
    print(
      (
        await gateway<{ updateConnector: unknown }>(
          `mutation ($id: ID!, $v: Int!, $d: String!) { updateConnector(id: $id, version: $v, document: $d) { ${CONNECTOR} } }`,
          {
            id: need(id, 'id'),
            v: number(version, 'version'),
            d: await readRegistrationFile(need(file, 'file'), process.env),
          },
        )
      ).updateConnector,
    );
    return 0;
  },
  enable: (args: string[]) => switchTo(args, true),
  disable: (args: string[]) => switchTo(args, false),
  delete: async ([id, version]: string[]) => {
    await gateway(
      'mutation ($id: ID!, $v: Int!) { deleteConnector(id: $id, version: $v) { id } }',
      { id: need(id, 'id'), v: number(version, 'version') },
    );
    process.stdout.write(`${id} deleted\n`);
    return 0;
  },
  rollback: async ([id, version, to]: string[]) => {
    print(
      (
        await gateway<{ rollbackConnector: unknown }>(
          `mutation ($id: ID!, $v: Int!, $to: Int!) { rollbackConnector(id: $id, version: $v, toVersion: $to) { ${CONNECTOR} } }`,
          { id: need(id, 'id'), v: number(version, 'version'), to: number(to, 'to version') },
        )
      ).rollbackConnector,
    );
    return 0;
  },
};

/** `check`'s arguments: the file, codes, and the options anywhere among them. */
function checkArguments(args: string[]): {
  file: string;
  codes: string[];
  agency: string | null;
  days: number;
  json: boolean;
} {
  const plain: string[] = [];
  let agency: string | null = null;
  let days = 30;
  let json = false;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    if (arg === '--json') json = true;
    else if (arg === '--agency') agency = need(args[(index += 1)], '--agency value');
    else if (arg === '--days') {
      days = Number(need(args[(index += 1)], '--days value'));
      if (!Number.isInteger(days) || days < 1) throw new Error('--days must be a number of days');
    } else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}\n\n${USAGE}`);
    else plain.push(arg);
  }
  const [file, ...codes] = plain;
  return { file: need(file, 'file'), codes, agency, days, json };
}

async function switchTo([id, version]: string[], enabled: boolean): Promise<number> {
  print(
    (
      await gateway<{ setConnectorEnabled: unknown }>(
        `mutation ($id: ID!, $v: Int!, $e: Boolean!) { setConnectorEnabled(id: $id, version: $v, enabled: $e) { ${CONNECTOR} } }`,
        { id: need(id, 'id'), v: number(version, 'version'), e: enabled },
      )
    ).setConnectorEnabled,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  },
);
