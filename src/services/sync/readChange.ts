import type { DossierChange } from '../changes/DossierChange';

/** What an outbox read back: a change it can send, or what was stored with why it cannot be. */
export type ReadChange = { change: DossierChange } | { change: DossierChange; unreadable: string };

/**
 * A change as stored in an outbox (JSON text, or the value parsed from a line), checked for what
 * the national sync record needs: the change's connector, code and state, and a dossier with its
 * code, a status object, an applicant object and a history list. Anything else is unreadable:
 * the reason names the fields, never their values (they may be personal data).
 */
export function readChange(stored: unknown): ReadChange {
  let value = stored;
  if (typeof stored === 'string') {
    try {
      value = JSON.parse(stored) as unknown;
    } catch {
      return { change: placeholder(null), unreadable: 'not JSON' };
    }
  }
  if (!isObject(value)) return { change: placeholder(null), unreadable: 'not a JSON object' };
  const missing: string[] = [];
  for (const name of ['connectorId', 'code', 'state'] as const)
    if (typeof value[name] !== 'string') missing.push(name);
  const dossier = value.dossier;
  if (!isObject(dossier)) missing.push('dossier');
  else {
    if (typeof dossier.code !== 'string') missing.push('dossier.code');
    if (!isObject(dossier.status)) missing.push('dossier.status');
    if (!isObject(dossier.applicant)) missing.push('dossier.applicant');
    if (!Array.isArray(dossier.history)) missing.push('dossier.history');
  }
  if (missing.length === 0) return { change: value as unknown as DossierChange };
  return { change: placeholder(value), unreadable: `missing or malformed ${missing.join(', ')}` };
}

/** What was stored, with the connector and code a dead letter is listed and counted by. */
function placeholder(value: Record<string, unknown> | null): DossierChange {
  const text = (name: string) =>
    value !== null && typeof value[name] === 'string' ? value[name] : '(unreadable)';
  return {
    ...(value ?? {}),
    connectorId: text('connectorId'),
    code: text('code'),
    state: text('state'),
  } as unknown as DossierChange;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
