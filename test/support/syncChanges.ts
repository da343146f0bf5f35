import type { NationalDossier, NationalStatusCode } from '../../connectors/model';
import type { DossierChange } from '../../src/services/changes/DossierChange';
import type { ReceivedSummary } from '../../samples/sync-receiver/startSyncReceiver';

/**
 * Changes for the sync bridge's tests: dossier `d` of connector `connector` goes through states
 * `s0`, `s1`, … (status 1, 2, …). The applicant's data looks like the sample systems' (a name of
 * the generator's vocabulary, a citizen ID, a phone), so the run's log search would find it if
 * the bridge logged it.
 */
export function dossierCode(connector: string, d: number): string {
  return `000.00.${connector === 'bo-noi-vu-dvc' ? '20.G09' : '01.H56'}-251104-${String(d).padStart(4, '0')}`;
}

export function change(connector: string, d: number, step: number): DossierChange {
  const code = dossierCode(connector, d);
  const at = new Date(Date.UTC(2025, 10, 4, 1, step, 0)).toISOString().replace('.000Z', 'Z');
  const dossier: NationalDossier = {
    code,
    procedureCode: '1.000001',
    procedureName: 'Đăng ký khai sinh',
    fieldCode: 'HT',
    fieldName: 'Hộ tịch',
    agencyCode: code.slice(0, code.indexOf('-')),
    agencyName: 'UBND phường Hạc Thành',
    channel: { code: 2, raw: '2' },
    applicant: {
      name: 'Nguyễn Văn An',
      type: 1,
      ids: [{ type: '1', number: '038190000123' }],
      phone: '0912345678',
      email: null,
      address: 'phường Hạc Thành, tỉnh Thanh Hóa',
    },
    summary: null,
    files: [],
    receivedAt: '2025-11-04T08:00:00+07:00',
    dueAt: '2025-11-10T17:00:00+07:00',
    finishedAt: null,
    returnedAt: null,
    status: {
      code: ((step % 10) + 1) as NationalStatusCode,
      raw: String((step % 10) + 1),
      lossy: false,
      mayBe: [],
    },
    history: [],
    fees: [],
    results: [],
    supplements: [],
    interAgency: { reference: null, parts: [] },
    warnings: [],
  };
  return {
    connectorId: connector,
    code,
    state: `s${step}`,
    previousState: step === 0 ? null : `s${step - 1}`,
    source: 'poll',
    changedAt: at,
    detectedAt: at,
    dossier,
  };
}

/** Every change of `dossiers` dossiers with `steps` states each, dossier by dossier interleaved. */
export function changes(connector: string, dossiers: number, steps: number): DossierChange[] {
  const all: DossierChange[] = [];
  for (let step = 0; step < steps; step += 1)
    for (let d = 0; d < dossiers; d += 1) all.push(change(connector, d, step));
  return all;
}

/**
 * Dossiers whose records arrived out of order: a state older than one already accepted
 * (duplicates of the newest are fine). Empty when every dossier's arrivals are in order.
 */
export function outOfOrder(received: ReceivedSummary): string[] {
  return Object.entries(received.dossiers).flatMap(([code, records]) => {
    const steps = records.map((record) => Number((record.state ?? 's-1').slice(1)));
    return steps.every((step, i) => i === 0 || step >= (steps[i - 1] as number)) ? [] : [code];
  });
}

/** Polls until `condition` holds (no fixed sleeps); fails with `what` after `ms`. */
export async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  ms = 15_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
