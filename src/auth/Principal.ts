import { hierarchyKeys } from '../../connectors/shared/agencyCode';
import type { Role } from './roles';

/** The caller of one request, as authenticated (src/auth/Authenticator.ts). */
export interface Principal {
  /** `key:<key id>` or `jwt:<issuer>:<subject>`; written to the audit log, never a secret. */
  id: string;
  name: string;
  role: Role;
  /** How the caller proved who it is. */
  via: 'apiKey' | 'jwt';
  /**
   * province-it only: agency codes or hierarchy keys (`H56`, `H56.12`) whose dossiers it may read,
   * and the registrations it maintains. Empty for the other roles (no limit applies to them).
   */
  agencies: readonly string[];
  connectors: readonly string[];
}

/**
 * Whether a province-it principal's scope covers a dossier: its agency (or a hierarchy key above
 * it) is listed, or the system holding it is one of the principal's connectors.
 */
export function scopeCovers(
  principal: Principal,
  agencyCode: string | null,
  connectorId: string,
): boolean {
  if (principal.role !== 'province-it') return true;
  if (principal.connectors.includes(connectorId)) return true;
  if (agencyCode === null) return false;
  return (
    principal.agencies.includes(agencyCode) ||
    hierarchyKeys(agencyCode).some((key) => principal.agencies.includes(key))
  );
}
