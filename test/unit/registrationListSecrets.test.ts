import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { z } from 'zod';
import { ConnectorError } from '../../connectors/ConnectorError';
import type { Connector, ConnectorKind } from '../../connectors/contract';
import { FileAuditStore } from '../../src/audit/FileAuditStore';
import type { Principal } from '../../src/auth/Principal';
import { AgencyDirectory } from '../../src/domain/AgencyDirectory';
import { ConnectorRegistry } from '../../src/registry/ConnectorRegistry';
import {
  FileRegistrationStore,
  RedisRegistrationStore,
  type RegistrationStore,
} from '../../src/registry/RegistrationStore';
import { SecretBox } from '../../src/registry/secretBox';
import { NetworkPolicy } from '../../src/runtime/NetworkPolicy';
import { AuditService } from '../../src/services/audit/AuditService';
import { RegistrationService } from '../../src/services/registrations/RegistrationService';
import { openSecrets } from '../../src/services/registrations/registrationSecrets';
import { createTestLogger } from '../support/testLogger';

/** A system that quotes back, in its own error, the key and client id it was sent. */
const plainKind: ConnectorKind<unknown> = {
  kind: 'plain',
  configSchema: z.object({}),
  create: (): Connector => ({
    capabilities: { dossierLookup: { maxBatch: 1 }, procedures: false, listing: false },
    getDossiers: async (codes) =>
      codes.map(
        () =>
          new ConnectorError(
            'UPSTREAM_AUTH_FAILED',
            `the system says: KEY_EXPIRED (api_key=${KEY}, client ${CLIENT_ID})`,
          ),
      ),
  }),
};

const admin: Principal = {
  id: 'key:admin',
  name: 'quản trị',
  role: 'admin',
  via: 'apiKey',
  agencies: [],
  connectors: [],
};

const KEY = 'query-key-6f1c2a';
const CLIENT_ID = 'client-id-93b7';
const TOKEN = 'bearer-token-51d0';

const document = (baseUrl = 'http://127.0.0.1:9', key = KEY) => `id: nen-tang-x
kind: plain
name: Nền tảng X
coverage: { units: [H47] }
upstream:
  baseUrl: ${baseUrl}
  auth:
    - { type: apiKey, queryParam: api_key, value: ${key} }
    - { type: apiKey, header: X-Client-Id, value: ${CLIENT_ID} }
    - { type: bearer, token: ${TOKEN} }
config: {}
`;

const stores: Array<[string, (folder: string) => Promise<RegistrationStore>]> = [
  ['files', (folder) => FileRegistrationStore.open(join(folder, 'registry'))],
  [
    'Redis',
    async () =>
      new RedisRegistrationStore(
        process.env.TEST_REDIS_URL as string,
        `list-secrets-${process.pid}-${Date.now()}:`,
      ),
  ],
];

describe.each(stores)('A list of credentials in the %s store', (_name, openStore) => {
  let folder: string;
  let store: RegistrationStore;
  let audits: FileAuditStore;
  let registry: ConnectorRegistry;
  let service: RegistrationService;
  const secrets = SecretBox.fromText(SecretBox.generateKeyText());
  const logger = createTestLogger();

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'list-secrets-'));
    store = await openStore(folder);
    audits = await FileAuditStore.open(join(folder, 'audit'), 'test');
    const kinds = new Map([['plain', plainKind]]);
    // Loopback allowed (the base URLs here), private networks not.
    const network = NetworkPolicy.fromList(['127.0.0.0/8']);
    registry = new ConnectorRegistry(kinds, { logger, now: () => new Date(), network });
    service = new RegistrationService(
      {
        store,
        registry,
        kinds,
        secrets,
        network,
        audit: new AuditService(audits, logger, () => new Date()),
        logger,
        now: () => new Date(),
        directory: new AgencyDirectory([]),
      },
      [],
    );
    await service.start();
  });

  afterEach(async () => {
    service.close();
    await registry.close();
    await store.close();
    await audits.close();
    await rm(folder, { recursive: true, force: true });
  });

  const stored = async () => {
    const [latest] = (await store.latest()).filter((s) => s.id === 'nen-tang-x');
    return latest as NonNullable<typeof latest>;
  };
  const auditText = async () => JSON.stringify([...(await audits.readAll()).values()]);

  it('seals every secret of the list at rest and shows each as ********', async () => {
    const made = await service.register(admin, document());
    if (!made.ok) throw new Error(JSON.stringify(made.error));
    for (const secret of [KEY, CLIENT_ID, TOKEN]) {
      expect(made.value.document).not.toContain(secret);
      expect(JSON.stringify((await stored()).document)).not.toContain(secret);
      expect(await auditText()).not.toContain(secret);
      expect(logger.text()).not.toContain(secret);
    }
    expect(made.value.document.match(/\*{8}/g)).toHaveLength(3);
    const auth = (await stored()).document.upstream as { auth: Array<Record<string, string>> };
    expect(auth.auth.map((c) => SecretBox.isSealed(c.value ?? c.token ?? ''))).toEqual([
      true,
      true,
      true,
    ]);
    // Sealed, not lost: they open to what was sent.
    expect(openSecrets(secrets, (await stored()).document)).toMatchObject({
      upstream: {
        auth: [{ value: KEY }, { value: CLIENT_ID }, { token: TOKEN }],
      },
    });
  });

  it('keeps each secret sent back as ******** and changes one sent anew', async () => {
    const made = await service.register(admin, document());
    if (!made.ok) throw new Error(JSON.stringify(made.error));
    const shown = made.value.document.replace('Nền tảng X', 'Nền tảng X (đổi tên)');
    const kept = await service.update(admin, 'nen-tang-x', 1, shown);
    if (!kept.ok) throw new Error(JSON.stringify(kept.error));
    expect(openSecrets(secrets, (await stored()).document)).toMatchObject({
      upstream: { auth: [{ value: KEY }, { value: CLIENT_ID }, { token: TOKEN }] },
    });
    // As shown, with one secret written anew: the query key.
    const edited = parseYaml(shown) as { upstream: { auth: Array<Record<string, string>> } };
    expect(edited.upstream.auth[0]).toEqual({
      type: 'apiKey',
      queryParam: 'api_key',
      value: '********',
    });
    (edited.upstream.auth[0] as Record<string, string>).value = 'new-key-77';
    const changed = await service.update(admin, 'nen-tang-x', 2, stringifyYaml(edited));
    if (!changed.ok) throw new Error(JSON.stringify(changed.error));
    expect(openSecrets(secrets, (await stored()).document)).toMatchObject({
      upstream: { auth: [{ value: 'new-key-77' }, { value: CLIENT_ID }, { token: TOKEN }] },
    });
  });

  it('keeps each secret with its credential, not its position, when entries move or are added', async () => {
    const made = await service.register(admin, document());
    if (!made.ok) throw new Error(JSON.stringify(made.error));
    const shown = parseYaml(made.value.document) as {
      upstream: { auth: Array<Record<string, string>> };
    };
    const [query, header, bearer] = shown.upstream.auth as [
      Record<string, string>,
      Record<string, string>,
      Record<string, string>,
    ];
    // Reordered, with a new credential first: each ******** keeps its own credential's secret.
    shown.upstream.auth = [
      { type: 'apiKey', header: 'X-Tenant', value: 'tenant-key-2' },
      bearer,
      header,
      query,
    ];
    const moved = await service.update(admin, 'nen-tang-x', 1, stringifyYaml(shown));
    if (!moved.ok) throw new Error(JSON.stringify(moved.error));
    expect(openSecrets(secrets, (await stored()).document)).toMatchObject({
      upstream: {
        auth: [
          { header: 'X-Tenant', value: 'tenant-key-2' },
          { type: 'bearer', token: TOKEN },
          { header: 'X-Client-Id', value: CLIENT_ID },
          { queryParam: 'api_key', value: KEY },
        ],
      },
    });
  });

  it('refuses a ******** that keeps nothing, naming its field, and stores nothing', async () => {
    const first = await service.register(admin, document('http://127.0.0.1:9', '"********"'));
    expect(first.ok ? '' : first.error.message).toContain(
      'upstream.auth[0].value: ******** keeps nothing: there is no earlier version to keep it from; write the secret out',
    );
    expect(await store.latest()).toEqual([]);
    const made = await service.register(admin, document());
    if (!made.ok) throw new Error(JSON.stringify(made.error));
    // The key now sent in another query parameter, and a credential the version never had.
    const shown = parseYaml(made.value.document) as {
      upstream: { auth: Array<Record<string, string>> };
    };
    (shown.upstream.auth[0] as Record<string, string>).queryParam = 'key';
    shown.upstream.auth[2] = { type: 'basic', username: 'u', password: '********' };
    const refused = await service.update(admin, 'nen-tang-x', 1, stringifyYaml(shown));
    const message = refused.ok ? '' : refused.error.message;
    expect(message).toContain(
      'upstream.auth[0].value: ******** keeps nothing: the earlier version has no apiKey, queryParam key credential; write the secret out',
    );
    expect(message).toContain(
      'upstream.auth[2].password: ******** keeps nothing: the earlier version has no basic, username u credential',
    );
    expect(message).not.toContain('upstream.auth[1]');
    expect((await stored()).version).toBe(1);
    expect(JSON.stringify((await stored()).document)).not.toContain('"********"');
  });

  it('asks for every kept secret of the list again when the base URL moves', async () => {
    const made = await service.register(admin, document());
    if (!made.ok) throw new Error(JSON.stringify(made.error));
    const moved = await service.update(
      admin,
      'nen-tang-x',
      1,
      made.value.document.replace('http://127.0.0.1:9', 'http://127.0.0.2:9'),
    );
    expect(moved.ok).toBe(false);
    const message = moved.ok ? '' : moved.error.message;
    for (const path of [
      'upstream.auth[0].value',
      'upstream.auth[1].value',
      'upstream.auth[2].token',
    ])
      expect(message).toContain(`${path}: give this secret again`);
  });

  it('checks the token URL of an OAuth 2.0 entry of the list against the network policy', async () => {
    const refused = await service.register(
      admin,
      document().replace(
        '    - { type: bearer, token: bearer-token-51d0 }',
        '    - { type: oauth2ClientCredentials, tokenUrl: "http://192.168.0.1/token", clientId: g, clientSecret: s }',
      ),
    );
    expect(refused.ok ? null : refused.error.message).toContain(
      'upstream.auth[2].tokenUrl: 192.168.0.1 is a private-network address',
    );
    expect(await store.latest()).toEqual([]);
  });

  it("keeps the secrets out of a failure's message, even one quoting the system's own words", async () => {
    const made = await service.register(admin, document());
    if (!made.ok) throw new Error(JSON.stringify(made.error));
    const runtime = registry.runtime('nen-tang-x');
    const [outcome] =
      (await runtime?.getDossiers(['000.00.01.H47-261126-0001'], {
        signal: new AbortController().signal,
        requestId: 'r1',
      })) ?? [];
    expect(outcome).toMatchObject({
      kind: 'error',
      error: {
        code: 'UPSTREAM_AUTH_FAILED',
        message: 'the system says: KEY_EXPIRED (api_key=********, client ********)',
      },
    });
  });
});
