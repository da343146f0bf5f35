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
