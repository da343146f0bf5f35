/**
 * Who may do what (issue 5). Deny by default: every root field of the schema names the roles
 * allowed to call it (`@allow`), and a field without one cannot be built.
 *
 * - portal: dossier lookups and the catalogue; personal data always masked.
 * - province-it: its own connectors and the dossiers within its agency scope.
 * - auditor: cross-agency reads; personal data unmasked only with a stated purpose (recorded).
 * - admin: everything, including keys.
 */
export const ROLES = ['portal', 'province-it', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The GraphQL enum value of a role (`PROVINCE_IT`) and back. */
export function roleToGraphQL(role: Role): string {
  return role.toUpperCase().replace('-', '_');
}

export function roleFromGraphQL(value: string): Role {
  const role = value.toLowerCase().replace('_', '-');
  if (!(ROLES as readonly string[]).includes(role)) throw new RangeError(`unknown role ${value}`);
  return role as Role;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
