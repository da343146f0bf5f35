import type { ConnectorKind } from '../../../connectors/contract';
import { parseRegistrationDocument } from '../../registry/loadRegistrationFiles';
import type { Registration, RegistrationOrigin } from '../../registry/Registration';
import type { StoredRegistration } from '../../registry/RegistrationStore';
import { readYamlMapping } from '../../platform/readYamlMapping';
import { invalid, type RegistryResult } from './registrationResults';

/**
 * Largest registration document (YAML or JSON text) accepted: 256 KiB. The bundled ones are about
 * 4.5 KB; a document far larger is a mistake or an attempt to make every replica hold and parse it.
 */
export const MAX_REGISTRATION_BYTES = 256 * 1024;

/**
 * Reads a submitted document (YAML or JSON text) into a mapping: the one time a write or a dry run
 * parses text; every later step takes the value.
 */
export function readRegistrationText(text: string): RegistryResult<Record<string, unknown>> {
  const read = readYamlMapping(text, {
    maxBytes: MAX_REGISTRATION_BYTES,
    label: '(document)',
    limit: `${MAX_REGISTRATION_BYTES} (${MAX_REGISTRATION_BYTES / 1024} KiB) a registration`,
    shape: 'a registration is a mapping (id, kind, name, coverage, upstream, config)',
  });
  return read.ok ? read : invalid([read.problem]);
}

/** The id a document names, as written; empty when it names none (validation then says so). */
export function documentId(document: Record<string, unknown>): string {
  return typeof document.id === 'string' ? document.id : '';
}

/**
 * Whether `id` can name a stored registration at all: checked before the store is asked, so a
 * malformed id is "not found" rather than a store error.
 */
export function isRegistrationId(id: string): boolean {
  return /^[a-z0-9][a-z0-9-]{0,63}$/.test(id);
}

/** Why a runtime document cannot refer to a variable, and how to send it. */
const RUNTIME_UNSET_HINT =
  ' here: a runtime registration carries its values (`npm run connectors -- test|check|register|update FILE` fills ${NAME} from your shell before sending)';

/**
 * Validates a document like a registration file (envelope and kind config, every problem named by
 * field path) into the Registration it will be routed as, with `origin`. No `${NAME}` variables:
 * runtime documents carry their values (the connectors command line fills them from the caller's
 * shell before it sends a document).
 */
export function validateRegistration(
  kinds: ReadonlyMap<string, ConnectorKind<unknown>>,
  document: Record<string, unknown>,
  origin: RegistrationOrigin,
): RegistryResult<Registration> {
  const parsed = parseRegistrationDocument(
    document,
    'document',
    { kinds, variables: {}, unsetHint: RUNTIME_UNSET_HINT },
    origin,
  );
  if (!parsed.ok)
    return invalid(
      parsed.problems.map((problem) => `${problem.path || '(document)'}: ${problem.message}`),
    );
  // A `${NAME:-default}` id validates, but is not the id the document is stored under.
  if (parsed.registration.id !== documentId(document)) return invalid([`id: missing`]);
  return { ok: true, value: parsed.registration };
}

/** The origin a runtime registration is routed with: the stored version it was read from. */
export function runtimeOrigin(
  version: Pick<StoredRegistration, 'version' | 'enabled' | 'updatedAt' | 'updatedBy'>,
): RegistrationOrigin {
  return {
    type: 'runtime',
    version: version.version,
    enabled: version.enabled,
    updatedAt: version.updatedAt,
    updatedBy: version.updatedBy,
  };
}
