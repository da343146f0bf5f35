import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { Connector, ConnectorKind } from '../../connectors/contract';
import { FileAuditStore } from '../../src/audit/FileAuditStore';
import type { Principal } from '../../src/auth/Principal';
import { AgencyDirectory } from '../../src/domain/AgencyDirectory';
import { vietnamIso } from '../../src/domain/vietnamTime';
import { ConnectorRegistry } from '../../src/registry/ConnectorRegistry';
import { FileRegistrationStore } from '../../src/registry/RegistrationStore';
import { SecretBox } from '../../src/registry/secretBox';
import { NetworkPolicy } from '../../src/runtime/NetworkPolicy';
import { AuditService } from '../../src/services/audit/AuditService';
import { RegistrationService } from '../../src/services/registrations/RegistrationService';
import { createTestLogger } from '../support/testLogger';

/** Validations of a document: the kind's config schema runs once in each. */
let validations = 0;
const countedKind: ConnectorKind<{ label: string }> = {
  kind: 'counted',
  configSchema: z.object({ label: z.string() }).superRefine(() => {
    validations += 1;
  }),
  create: (): Connector => ({
    capabilities: { dossierLookup: { maxBatch: 1 }, procedures: false, listing: false },
    getDossiers: async (codes) => codes.map(() => null),
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

const document = (id: string, unit: string, label = 'a') => `id: ${id}
kind: counted
name: ${id}
coverage: { units: [${unit}] }
upstream:
  baseUrl: http://127.0.0.1:9
  auth: { type: apiKey, header: X-Api-Key, value: secret-of-${id} }
config: { label: ${label} }
`;

describe('A write parses its document once and stamps its version once', () => {
  let folder: string;
  let store: FileRegistrationStore;
  let audits: FileAuditStore;
  let registry: ConnectorRegistry;
  let service: RegistrationService;
  /** Each call of the service's clock is a second later. */
  let clockCalls: number;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'registration-writes-'));
    store = await FileRegistrationStore.open(join(folder, 'registry'));
    audits = await FileAuditStore.open(join(folder, 'audit'), 'test');
    const logger = createTestLogger();
    const kinds = new Map([['counted', countedKind as ConnectorKind<unknown>]]);
    const network = NetworkPolicy.unrestricted();
    registry = new ConnectorRegistry(kinds, { logger, now: () => new Date(), network });
    clockCalls = 0;
    service = new RegistrationService(
      {
        store,
        registry,
        kinds,
        secrets: SecretBox.fromText(SecretBox.generateKeyText()),
        network,
        audit: new AuditService(audits, logger, () => new Date()),
        logger,
        now: () => {
          clockCalls += 1;
          return new Date(Date.UTC(2026, 10, 26, 1, 0, clockCalls));
        },
        directory: new AgencyDirectory([]),
      },
      [],
    );
    await service.start();
    validations = 0;
  });

  afterEach(async () => {
    service.close();
    await registry.close();
    await store.close();
    await audits.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('register: validated once, routed without reading the stored document again', async () => {
    const written = await service.register(admin, document('counted-h56', 'H56'));
    expect(written.ok).toBe(true);
    expect(validations).toBe(1);
    expect(registry.runtime('counted-h56')?.registration.origin).toMatchObject({
      type: 'runtime',
      version: 1,
    });
  });

  it('update, and a rollback: once each, and the other registrations are not read again', async () => {
    await service.register(admin, document('counted-h56', 'H56'));
    await service.register(admin, document('counted-h40', 'H40'));
    expect(validations).toBe(2);
    const updated = await service.update(
      admin,
      'counted-h56',
      1,
      document('counted-h56', 'H56', 'b'),
    );
    expect(updated).toMatchObject({ ok: true, value: { version: 2 } });
    expect(validations).toBe(3);
    const rolledBack = await service.rollback(admin, 'counted-h56', 2, 1);
    expect(rolledBack).toMatchObject({ ok: true, value: { version: 3 } });
    expect(validations).toBe(4);
    expect(registry.runtime('counted-h56')?.registration.config).toEqual({ label: 'a' });
  });

  it('a rollback to a version whose secret cannot be opened is refused, naming it, and stores nothing', async () => {
    await service.register(admin, document('counted-h56', 'H56'));
    // Version 1 as an earlier gateway may have stored it: its secret not sealed.
    const file = join(folder, 'registry', 'counted-h56.json');
    const stored = JSON.parse(await readFile(file, 'utf8')) as {
      versions: Array<{ document: { upstream: { auth: { value: string } } } }>;
    };
    (stored.versions[0] as (typeof stored.versions)[0]).document.upstream.auth.value = '********';
    await writeFile(file, JSON.stringify(stored));
    await service.update(admin, 'counted-h56', 1, document('counted-h56', 'H56', 'b'));
    const rolledBack = await service.rollback(admin, 'counted-h56', 2, 1);
    expect(rolledBack).toMatchObject({
      ok: false,
      error: {
        code: 'BAD_USER_INPUT',
        message: expect.stringContaining(
          'toVersion: the secret upstream.auth.value (not a sealed secret) of v1 cannot be opened; update counted-h56 with the secret written out instead',
        ),
      },
    });
    expect((await store.history('counted-h56')).map((v) => v.version)).toEqual([1, 2]);
    expect(registry.runtime('counted-h56')?.registration.config).toEqual({ label: 'b' });
  });

  it('switching off reads nothing; switching on reads the stored document once', async () => {
    await service.register(admin, document('counted-h56', 'H56'));
    validations = 0;
    expect(await service.setEnabled(admin, 'counted-h56', 1, false)).toMatchObject({ ok: true });
    expect(validations).toBe(0);
    expect(registry.runtime('counted-h56')).toBeUndefined();
    expect(await service.setEnabled(admin, 'counted-h56', 2, true)).toMatchObject({ ok: true });
    expect(validations).toBe(1);
    expect(registry.runtime('counted-h56')).toBeDefined();
  });

  it('a reload with nothing new reads nothing', async () => {
    await service.register(admin, document('counted-h56', 'H56'));
    validations = 0;
    await service.start();
    expect(validations).toBe(0);
  });

  it('takes the time once per write: the version stored and shown carry it', async () => {
    clockCalls = 0;
    const written = await service.register(admin, document('counted-h56', 'H56'));
    expect(clockCalls).toBe(1);
    const at = vietnamIso(new Date(Date.UTC(2026, 10, 26, 1, 0, 1)));
    expect(written).toMatchObject({ ok: true, value: { version: 1, updatedAt: at } });
    expect((await store.history('counted-h56'))[0]).toMatchObject({
      version: 1,
      updatedAt: at,
      updatedBy: 'key:admin',
    });
    expect(registry.runtime('counted-h56')?.registration.origin).toEqual({
      type: 'runtime',
      version: 1,
      enabled: true,
      updatedAt: at,
      updatedBy: 'key:admin',
    });
  });

  it('a refused write stores nothing and routes nothing', async () => {
    await service.register(admin, document('counted-h56', 'H56'));
    const grab = await service.register(admin, document('counted-h56-b', 'H56'));
    expect(grab).toMatchObject({ ok: false, error: { code: 'BAD_USER_INPUT' } });
    expect(await store.history('counted-h56-b')).toEqual([]);
    expect(registry.runtime('counted-h56-b')).toBeUndefined();
  });
});
