import type { Authenticator } from '../../auth/Authenticator';
import { publicKey, type ApiKeyStore, type PublicApiKey } from '../../auth/apiKeys';
import type { Role } from '../../auth/roles';
import { errorDetail, type ErrorDetail } from '../../errors/GatewayError';
import { isAgencyCode, isHierarchyKey } from '../../../connectors/shared/agencyCode';
import type { Actor, AuditService } from '../audit/AuditService';

export interface CreateKeyInput {
  name: string;
  role: Role;
  agencies?: readonly string[] | null;
  connectors?: readonly string[] | null;
  expiresAt?: string | null;
}

export type KeyResult<T> = { ok: true; value: T } | { ok: false; error: ErrorDetail };

/**
 * Creating, listing and revoking API keys (admins, through GraphQL; the first one by the CLI).
 * Every change is in the audit log before it is answered; a key whose creation cannot be recorded
 * is revoked at once and not handed out.
 */
export class ApiKeyService {
  constructor(
    private readonly store: ApiKeyStore,
    private readonly authenticator: Authenticator | null,
    private readonly audit: AuditService,
    private readonly now: () => Date,
  ) {}

  async create(
    input: CreateKeyInput,
    by: Actor,
  ): Promise<KeyResult<{ key: string; apiKey: PublicApiKey }>> {
    const problem = checkInput(input, this.now());
    if (problem !== null) return { ok: false, error: errorDetail('BAD_USER_INPUT', problem) };
    const created = await this.store.create(
      {
        name: input.name.normalize('NFC').trim(),
        role: input.role,
        agencies: input.role === 'province-it' ? (input.agencies ?? []) : [],
        connectors: input.role === 'province-it' ? (input.connectors ?? []) : [],
        expiresAt:
          input.expiresAt === undefined || input.expiresAt === null ? null : input.expiresAt,
        createdBy: typeof by === 'string' ? by : by.id,
      },
      this.now(),
    );
    const record = created.record;
    const written = await this.audit.record(by, {
      action: 'key.create',
      operation:
        by === 'cli' ? 'npm run keys create' : by === 'gateway' ? 'demo keys' : 'createApiKey',
      codes: [],
      scope: describeKey(record),
      purpose: null,
      outcome: 'ok',
    });
    if (!written.ok) {
      await this.store.revoke(record.id, this.now());
      return { ok: false, error: written.error };
    }
    return { ok: true, value: { key: created.key, apiKey: publicKey(record) } };
  }

  async revoke(id: string, by: Actor): Promise<KeyResult<PublicApiKey>> {
    const record = await this.store.revoke(id, this.now());
    if (record !== null) {
      this.authenticator?.forgetKey(id);
      // Revoked either way: recorded afterwards, and reported if that failed.
      const written = await this.audit.record(by, {
        action: 'key.revoke',
        operation: by === 'cli' ? 'npm run keys revoke' : 'revokeApiKey',
        codes: [],
        scope: describeKey(record),
        purpose: null,
        outcome: 'ok',
      });
      if (!written.ok) return { ok: false, error: written.error };
    }
    if (record === null)
      return {
        ok: false,
        error: errorDetail(
          'BAD_USER_INPUT',
          `no API key with id ${JSON.stringify(id.slice(0, 40))}`,
        ),
      };
    return { ok: true, value: publicKey(record) };
  }

  async list(includeRevoked: boolean): Promise<PublicApiKey[]> {
    return (await this.store.list())
      .filter((record) => includeRevoked || record.revokedAt === null)
      .map(publicKey);
  }
}

function checkInput(input: CreateKeyInput, now: Date): string | null {
  const name = input.name.normalize('NFC').trim();
  if (name.length === 0 || name.length > 200) return 'name must be 1–200 characters';
  const agencies = input.agencies ?? [];
  const connectors = input.connectors ?? [];
  if (input.role === 'province-it') {
    if (agencies.length === 0 && connectors.length === 0)
      return 'a PROVINCE_IT key needs its scope: agencies (H56, 000.00.12.H56) or connectors';
    const bad = agencies.find((code) => !isAgencyCode(code) && !isHierarchyKey(code));
    if (bad !== undefined)
      return `${JSON.stringify(bad.slice(0, 40))} is neither an agency code nor a hierarchy key (H56, H56.12)`;
    const badConnector = connectors.find((id) => !/^[a-z0-9][a-z0-9-]{0,63}$/.test(id));
    if (badConnector !== undefined)
      return `${JSON.stringify(badConnector.slice(0, 40))} is not a registration id`;
  } else if (agencies.length > 0 || connectors.length > 0) {
    return 'agencies and connectors apply to PROVINCE_IT keys only';
  }
  if (input.expiresAt !== undefined && input.expiresAt !== null) {
    const at = Date.parse(input.expiresAt);
    if (Number.isNaN(at) || at <= now.getTime()) return 'expiresAt must be in the future';
  }
  return null;
}

function describeKey(record: {
  id: string;
  role: string;
  agencies: readonly string[];
  connectors: readonly string[];
}): string {
  const scope = [...record.agencies, ...record.connectors];
  return `key:${record.id} ${record.role}${scope.length > 0 ? ` (${scope.join(', ')})` : ''}`;
}
