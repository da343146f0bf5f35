import { z } from 'zod';
import type { Connector, ConnectorKind } from '../../connectors/contract';
import type { Principal } from '../../src/auth/Principal';
import type { Registration } from '../../src/registry/Registration';
import type { StoredRegistration } from '../../src/registry/RegistrationStore';
import { coverageSchema } from '../../src/registry/registrationSchema';
import { REDACTED, SecretBox } from '../../src/registry/secretBox';
import {
  scopeProblem,
  storedClaim,
  visibleTo,
} from '../../src/services/registrations/registrationAccess';
import {
  MAX_REGISTRATION_BYTES,
  readRegistrationText,
  runtimeOrigin,
  validateRegistration,
} from '../../src/services/registrations/registrationDocument';
import {
  keepSecrets,
  openSecrets,
  sealSecrets,
} from '../../src/services/registrations/registrationSecrets';
import { StoredReads } from '../../src/services/registrations/StoredReads';

const provinceIt: Principal = {
  id: 'key:th',
  name: 'CNTT Thanh Hóa',
  role: 'province-it',
  via: 'apiKey',
  agencies: ['H56'],
  connectors: ['ministry-shared'],
};
const admin: Principal = { ...provinceIt, id: 'key:admin', role: 'admin', agencies: [] };
const portal: Principal = { ...provinceIt, id: 'key:portal', role: 'portal', connectors: [] };

const claim = (id: string, coverage: Partial<ReturnType<typeof storedClaim>['coverage']>) => ({
  id,
  coverage: { units: [], agencies: [], dossierCodePattern: null, ...coverage },
});

describe('Registration access: a province-IT key reaches the registrations within its agencies', () => {
  it('sees coverage inside its scope, its own connectors, and patterns only when confined to that scope', () => {
    expect(visibleTo(provinceIt, claim('a', { units: ['H56.22'] }))).toBe(true);
    expect(visibleTo(provinceIt, claim('a', { agencies: ['000.00.22.H56'] }))).toBe(true);
    expect(visibleTo(provinceIt, claim('a', { units: ['H56', 'H40'] }))).toBe(false);
    expect(visibleTo(provinceIt, claim('a', { units: ['H560'] }))).toBe(false);
    expect(visibleTo(provinceIt, claim('ministry-shared', { units: ['G09'] }))).toBe(true);
    expect(visibleTo(provinceIt, claim('a', { units: ['H56'], dossierCodePattern: '.*' }))).toBe(
      false,
    );
    const named = '(?<agency>H56\\.\\d{2})-\\d{8}-\\d{7}';
    expect(visibleTo(provinceIt, claim('a', { units: ['H56'], dossierCodePattern: named }))).toBe(
      true,
    );
    expect(visibleTo(provinceIt, claim('a', { units: ['H40'], dossierCodePattern: named }))).toBe(
      false,
    );
    expect(visibleTo(provinceIt, claim('a', { dossierCodePattern: named }))).toBe(false);
    expect(visibleTo(provinceIt, claim('a', {}))).toBe(false);
    expect(visibleTo(admin, claim('a', { dossierCodePattern: '.*' }))).toBe(true);
    expect(visibleTo(portal, claim('a', { units: ['H56'] }))).toBe(false);
  });

  it('reads the claim of a stored document leniently', () => {
    const stored = {
      id: 'old',
      document: { coverage: { units: ['H56', 7], agencies: 'H56', dossierCodePattern: 3 } },
    } as unknown as StoredRegistration;
    expect(storedClaim(stored)).toEqual(claim('old', { units: ['H56'] }));
  });

  it('names the coverage outside the scope; only an administrator routes by a pattern alone', () => {
    const registration = (coverage: unknown) =>
      ({ coverage: coverageSchema.parse(coverage) }) as Registration;
    expect(scopeProblem(provinceIt, registration({ units: ['H56.01'] }))).toBeNull();
    expect(scopeProblem(provinceIt, registration({ units: ['H56', 'H40'] }))).toBe(
      'coverage: H40 is outside the scope of CNTT Thanh Hóa (H56)',
    );
    expect(
      scopeProblem(provinceIt, registration({ units: ['H56'], dossierCodePattern: '^x$' })),
    ).toBe(
      "coverage.dossierCodePattern: a pattern set without an administrator key must name each code's agency with the group (?<agency>…); only an administrator may route codes by pattern alone",
    );
    const named = '(?<agency>H56\\.\\d{2})-\\d{8}-\\d{7}';
    expect(scopeProblem(provinceIt, registration({ dossierCodePattern: named }))).toBe(
      'coverage.dossierCodePattern: a pattern set without an administrator key needs coverage.agencies or coverage.units: codes route here only when their agency is one of them',
    );
    expect(
      scopeProblem(provinceIt, registration({ units: ['H56.22'], dossierCodePattern: named })),
    ).toBeNull();
    expect(
      scopeProblem(provinceIt, registration({ units: ['H40'], dossierCodePattern: named })),
    ).toBe('coverage: H40 is outside the scope of CNTT Thanh Hóa (H56)');
    expect(scopeProblem(admin, registration({ dossierCodePattern: '^x$' }))).toBeNull();
  });
});

describe('Registration secrets: `********` keeps a stored secret only for the origin it was entered for', () => {
  const secrets = SecretBox.fromText(SecretBox.generateKeyText());
  const previous = sealSecrets(secrets, {
    upstream: {
      baseUrl: 'https://one.example.vn/api',
      auth: { type: 'apiKey', value: 'the-key' },
    },
    push: { secret: 'push-secret-of-16+' },
  });
  const sent = (baseUrl: string) => ({
    upstream: { baseUrl, auth: { type: 'apiKey', value: REDACTED } },
    push: { secret: REDACTED },
  });

  it('opens the kept secrets when the upstream stays where it was', () => {
    expect(keepSecrets(secrets, sent('https://one.example.vn/v2'), previous)).toEqual({
      ok: true,
      value: {
        upstream: {
          baseUrl: 'https://one.example.vn/v2',
          auth: { type: 'apiKey', value: 'the-key' },
        },
        push: { secret: 'push-secret-of-16+' },
      },
    });
  });

  it('asks for each sent secret again when the upstream moved; the push secret may stay', () => {
    const kept = keepSecrets(secrets, sent('https://two.example.vn/api'), previous);
    expect(kept.ok).toBe(false);
    const message = kept.ok ? '' : kept.error.message;
    expect(message).toContain('upstream.auth.value: give this secret again');
    expect(message).toContain('moved from https://one.example.vn to https://two.example.vn');
    expect(message).not.toContain('push.secret');
  });

  it('one credential keeps its secret by place, as before; becoming a list, by identity', () => {
    const single = keepSecrets(
      secrets,
      {
        upstream: {
          baseUrl: 'https://one.example.vn/api',
          auth: { type: 'apiKey', header: 'X-Key', value: REDACTED },
        },
      },
      previous,
    );
    expect(single).toMatchObject({ ok: true, value: { upstream: { auth: { value: 'the-key' } } } });
    const listed = keepSecrets(
      secrets,
      {
        upstream: {
          baseUrl: 'https://one.example.vn/api',
          auth: [
            { type: 'apiKey', header: 'X-Key', value: REDACTED },
            { type: 'apiKey', header: 'x-api-key', value: REDACTED },
          ],
        },
      },
      previous,
    );
    expect(listed.ok ? '' : listed.error.message).toContain(
      'upstream.auth[0].value: ******** keeps nothing: the earlier version has no apiKey, header x-key credential',
    );
    expect(listed.ok ? '' : listed.error.message).not.toContain('upstream.auth[1]');
  });

  it('seals every secret but a `********` that kept nothing, and opens them back', () => {
    const plain = { upstream: { auth: { password: 'p', clientSecret: REDACTED } }, name: 'n' };
    const sealed = sealSecrets(secrets, plain) as { upstream: { auth: Record<string, string> } };
    expect(SecretBox.isSealed(sealed.upstream.auth.password as string)).toBe(true);
    expect(sealed.upstream.auth.clientSecret).toBe(REDACTED);
    expect(openSecrets(secrets, sealed)).toEqual(plain);
  });
});

describe('Registration documents: text read once, problems named without quoting it', () => {
  it('refuses oversize text, YAML errors by line only, and anything but a mapping', () => {
    const big = readRegistrationText(`x: "${'a'.repeat(MAX_REGISTRATION_BYTES)}"`);
    expect(big.ok ? '' : big.error.message).toMatch(/more than the 262144 \(256 KiB\)/);
    const broken = readRegistrationText('id: a\nsecret: "hunter2\n  - [');
    expect(broken.ok).toBe(false);
    expect(broken.ok ? '' : broken.error.message).not.toContain('hunter2');
    expect(readRegistrationText('- a\n- b')).toMatchObject({ ok: false });
    expect(readRegistrationText('{"id": "a"}')).toEqual({ ok: true, value: { id: 'a' } });
  });

  it('validates as a stored version, refusing an id that resolves to another', () => {
    const kinds = new Map([['counted', countedKind as ConnectorKind<unknown>]]);
    const origin = runtimeOrigin({ version: 2, enabled: true, updatedAt: 't', updatedBy: 'u' });
    const valid = validateRegistration(kinds, document('counted-a'), origin);
    expect(valid).toMatchObject({ ok: true, value: { id: 'counted-a', origin } });
    const resolved = validateRegistration(kinds, document('${NAME:-counted-a}'), origin);
    expect(resolved.ok ? '' : resolved.error.message).toContain('id: missing');
  });
});

/** Validations of a document: the kind's config schema runs once in each. */
let validations = 0;
const countedKind: ConnectorKind<{ label: unknown }> = {
  kind: 'counted',
  configSchema: z.object({ label: z.unknown() }).superRefine(() => {
    validations += 1;
  }),
  create: (): Connector => ({
    capabilities: { dossierLookup: { maxBatch: 1 }, procedures: false, listing: false },
    getDossiers: async (codes) => codes.map(() => null),
  }),
};

function document(id: string, label: unknown = 'a'): Record<string, unknown> {
  return {
    id,
    kind: 'counted',
    name: id,
    coverage: { units: ['H56'] },
    upstream: { baseUrl: 'http://127.0.0.1:9' },
    config: { label },
  };
}

function stored(version: number, extra: Partial<StoredRegistration> = {}): StoredRegistration {
  return {
    id: 'counted-a',
    version,
    enabled: true,
    deleted: false,
    document: document('counted-a', `v${version}`),
    updatedAt: `t${version}`,
    updatedBy: 'key:admin',
    note: null,
    quarantine: null,
    ...extra,
  };
}

describe('Stored reads: each stored version is validated once while it is the latest', () => {
  const kinds = new Map([['counted', countedKind as ConnectorKind<unknown>]]);
  const secrets = SecretBox.fromText(SecretBox.generateKeyText());
  beforeEach(() => {
    validations = 0;
  });

  it('reads the switched-on versions of a reload once, by content', () => {
    const reads = new StoredReads(kinds, secrets);
    const latest = [stored(1), stored(1, { id: 'counted-off', enabled: false })];
    const first = reads.readLatest(latest);
    expect([...first.keys()]).toEqual([latest[0]]);
    expect(first.get(latest[0] as StoredRegistration)).toMatchObject({
      registration: { origin: runtimeOrigin(stored(1)) },
    });
    reads.readLatest(latest.map((version) => JSON.parse(JSON.stringify(version))));
    expect(validations).toBe(1);
    reads.readLatest([stored(1, { document: document('counted-a', 'changed in place') })]);
    expect(validations).toBe(2);
  });

  it('takes a version being stored from its write, kept until a reload shows what replaced it', () => {
    const reads = new StoredReads(kinds, secrets);
    reads.readLatest([stored(1)]);
    const written = stored(2);
    reads.remember(written, { registration: { id: 'validated by the write' } as Registration });
    // A reload whose list was read before the write stored it keeps what the write validated.
    reads.readLatest([stored(1)]);
    const routed = reads.readLatest([JSON.parse(JSON.stringify(written))]);
    expect([...routed.values()]).toEqual([{ registration: { id: 'validated by the write' } }]);
    expect(validations).toBe(1);
    // Replaced by another replica's version 3: the read of version 2 goes.
    reads.readLatest([stored(3)]);
    expect(reads.read(written)).toMatchObject({ registration: { id: 'counted-a' } });
    expect(validations).toBe(3);
  });

  it('forgets what a write kept when it was not stored, and never keeps what JSON would change', () => {
    const reads = new StoredReads(kinds, secrets);
    const validated = { registration: { id: 'validated by the write' } as Registration };
    const refused = stored(2);
    reads.remember(refused, validated);
    reads.forget(refused);
    expect(reads.read(refused)).toMatchObject({ registration: { id: 'counted-a' } });
    const infinite = stored(2, { document: document('counted-a', Number.POSITIVE_INFINITY) });
    reads.remember(infinite, validated);
    expect(reads.read(infinite)).toMatchObject({ registration: { id: 'counted-a' } });
  });

  it('names what keeps a version from routing: quarantine, an unknown key, an invalid document', () => {
    const reads = new StoredReads(kinds, secrets);
    expect(reads.read(stored(1, { quarantine: { reason: 'stopped', since: 't' } }))).toEqual({
      problem: 'quarantined',
      detail: 'stopped',
    });
    const otherKey = SecretBox.fromText(SecretBox.generateKeyText('k9'));
    const sealed = sealSecrets(otherKey, {
      ...document('counted-a'),
      upstream: { baseUrl: 'http://127.0.0.1:9', auth: { type: 'apiKey', value: 'v' } },
    });
    expect(reads.read(stored(1, { document: sealed }))).toEqual({
      problem: 'unreadable',
      detail: 'sealed with key k9, which is not configured',
    });
    expect(reads.read(stored(1, { document: { ...document('counted-a'), kind: 'gone' } }))).toEqual(
      expect.objectContaining({ problem: 'invalid' }),
    );
  });
});
