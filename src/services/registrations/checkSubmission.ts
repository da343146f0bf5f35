import type { ConnectorKind } from '../../../connectors/contract';
import type { Principal } from '../../auth/Principal';
import type { Registration, RegistrationOrigin } from '../../registry/Registration';
import type { SecretBox } from '../../registry/secretBox';
import type { NetworkPolicy } from '../../runtime/NetworkPolicy';
import { credentialList } from '../../runtime/upstreamAuth';
import { scopeProblem } from './registrationAccess';
import { validateRegistration } from './registrationDocument';
import { forbidden, invalid, type RegistryResult } from './registrationResults';
import { keepSecrets } from './registrationSecrets';

export interface SubmissionDeps {
  kinds: ReadonlyMap<string, ConnectorKind<unknown>>;
  secrets: SecretBox;
  /** Where upstreams may be (SSRF guard), checked on the names as they resolve now. */
  network: NetworkPolicy;
}

/** A submitted document that passed every check, and the Registration it validated into. */
export interface CheckedSubmission {
  /** The document with its secrets in the clear, `********` ones taken from the previous version. */
  document: Record<string, unknown>;
  registration: Registration;
}

/**
 * What a dry run and a save both do with a submitted document, in this order, the first refusal
 * answering: secrets sent back as `********` kept from `previous` (registrationSecrets.ts), the
 * document validated (once) into a Registration with `origin`, the coverage against the caller's
 * scope, every upstream address against the network policy.
 */
export async function checkSubmission(
  deps: SubmissionDeps,
  principal: Principal,
  plain: Record<string, unknown>,
  previous: Record<string, unknown> | null,
  origin: RegistrationOrigin,
): Promise<RegistryResult<CheckedSubmission>> {
  const kept = keepSecrets(deps.secrets, plain, previous);
  if (!kept.ok) return kept;
  const checked = validateRegistration(deps.kinds, kept.value, origin);
  if (!checked.ok) return checked;
  const scope = scopeProblem(principal, checked.value);
  if (scope !== null) return forbidden(scope);
  const unreachable = await networkProblems(deps.network, checked.value);
  if (unreachable.length > 0) return invalid(unreachable);
  return { ok: true, value: { document: kept.value, registration: checked.value } };
}

/** Every upstream address of a registration, checked against the network policy. */
async function networkProblems(
  network: NetworkPolicy,
  registration: Registration,
): Promise<string[]> {
  const targets: Array<[string, string]> = [['upstream.baseUrl', registration.upstream.baseUrl]];
  const auth = registration.upstream.auth;
  credentialList(auth).forEach((credential, index) => {
    if (credential.type === 'oauth2ClientCredentials')
      targets.push([
        Array.isArray(auth) ? `upstream.auth[${index}].tokenUrl` : 'upstream.auth.tokenUrl',
        credential.tokenUrl,
      ]);
  });
  const problems: string[] = [];
  for (const [path, url] of targets) {
    const refused = await network.check(new URL(url).hostname);
    if (refused !== null) problems.push(`${path}: ${refused}`);
  }
  return problems;
}
