import { readFile } from 'node:fs/promises';
import { readYamlMapping } from '../platform/readYamlMapping';
import { substituteVariables } from '../registry/loadRegistrationFiles';
import { MAX_REGISTRATION_BYTES } from '../services/registrations/registrationDocument';

/**
 * The registration document a `connectors` command sends (test, check, register, update: the
 * same one for each, so what passes the dry run is what gets registered): the file with every
 * `${NAME}` and `${NAME:-default}` filled from the caller's environment, by the rule registration
 * files follow at start (loadRegistrationFiles.ts). A variable that is not set is refused here,
 * naming it and the field, before anything is sent. A file without references is sent as written.
 * The values leave this machine once, in the request to the gateway (use an https GATEWAY_URL);
 * the gateway seals secrets at rest and shows them as `********`.
 */
export async function readRegistrationFile(
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  const text = await readFile(file, 'utf8');
  if (!/\$\{/.test(text)) return text;
  const read = readYamlMapping(text, {
    maxBytes: MAX_REGISTRATION_BYTES,
    label: file,
    limit: `${MAX_REGISTRATION_BYTES} (${MAX_REGISTRATION_BYTES / 1024} KiB) a registration`,
    shape: 'a registration is a mapping (id, kind, name, coverage, upstream, config)',
  });
  if (!read.ok) {
    // `{ value: ${KEY} }` is not YAML: inside braces the reference must be quoted.
    const braces = /\{[^}\n]*\$\{/.test(text) ? ' (inside { } write "${NAME}" in quotes)' : '';
    throw new Error(`${read.problem}${braces}`);
  }
  const { value, problems } = substituteVariables(
    read.value,
    env,
    ' in your shell (export it, or give it on the command line: NAME=… npm run connectors -- …)',
  );
  if (problems.length > 0)
    throw new Error(
      problems.map((problem) => `${file} ${problem.path}: ${problem.message}`).join('\n'),
    );
  return JSON.stringify(value, null, 2);
}
