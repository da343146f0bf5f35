import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { SAMPLE_REGISTRATIONS } from './testGateway';

/**
 * A copy of the bundled sample registrations with some settings changed (by registration id; a
 * value of `undefined` removes the setting), in a new temporary folder, for REGISTRATIONS_DIR.
 */
export async function sampleRegistrationsWith(
  changes: Record<string, Record<string, unknown>>,
): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'registrations-'));
  for (const name of await readdir(SAMPLE_REGISTRATIONS)) {
    const document = parseDocument(await readFile(join(SAMPLE_REGISTRATIONS, name), 'utf8'));
    const id = String(document.get('id'));
    for (const [path, value] of Object.entries(changes[id] ?? {})) {
      if (value === undefined) document.deleteIn(path.split('.'));
      else document.setIn(path.split('.'), value);
    }
    await writeFile(join(folder, name), document.toString());
  }
  return folder;
}

/**
 * A runtime registration as an earlier gateway stored it, with an expression the current rules
 * refuse (`$pad` of 200 million characters, which aborted the process): for the start-up
 * quarantine. District H56.01 of the sample provincial system; no secrets.
 */
export function storedBeforeTheRules(id: string, baseUrl: string) {
  return {
    id,
    version: 1,
    enabled: true,
    deleted: false,
    document: {
      id,
      kind: 'rest-json',
      name: 'Đăng ký cũ',
      coverage: { units: ['H56.01'] },
      upstream: { baseUrl },
      config: {
        lookup: { single: { path: '/api/v1/dossiers/{code}' } },
        mapping: { code: 'dossierNo', status: 'dossierStatus', summary: '$pad("x", 200000000)' },
      },
    },
    updatedAt: '2026-11-30T08:00:00+07:00',
    updatedBy: 'key_old',
    note: null,
  };
}
