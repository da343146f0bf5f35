import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { gateway } from './gatewayClient';

const USAGE = `The agency directory of a running gateway (GATEWAY_URL, default http://127.0.0.1:4000;
GATEWAY_API_KEY: an admin key to change it, an auditor key to read versions, any key to list).

  npm run agencies -- list [search words]             code, origin and version, name, validity
  npm run agencies -- show <code>                     the entry in effect, as YAML (edit it, put it)
  npm run agencies -- versions <code>                 the runtime entry's versions: who, when, why
  npm run agencies -- put <file.yaml> [version] [--note "…"]
                                                      add a code, or replace the file's entry of it;
                                                      version: the one show printed (default 0)
  npm run agencies -- delete <code> <version> [--note "…"]
                                                      back to the file's entry, or the code goes

An entry is one agency as in the directory file: code, name, level, and as needed tier, parent,
validFrom, validTo, successors [{code, from, scope}], officeHours [["07:30", "11:30"], …].
The whole directory must still hold with the change (BAD_USER_INPUT names every problem, nothing
changed). Guide: docs/directory.md.`;

interface AgencyLine {
  code: string;
  name: string;
  level: number;
  validFrom: string | null;
  validTo: string | null;
  origin: 'FILE' | 'RUNTIME';
  version: number;
}

interface AgencyEntry {
  code: string;
  origin: 'FILE' | 'RUNTIME';
  version: number;
  entry: string;
}

const LINE = 'code name level validFrom validTo origin version';
const ENTRY = 'code origin version entry';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { note: { type: 'string' }, help: { type: 'boolean', default: false } },
  });
  const [command, ...args] = positionals;
  const note = values.note ?? null;
  switch (values.help ? undefined : command) {
    case 'list':
      return list(args.join(' '));
    case 'show': {
      const code = need(args[0], 'code');
      const found = await gateway<{ agency: AgencyEntry | null }>(
        `query ($c: String!) { agency(code: $c) { ${ENTRY} } }`,
        { c: code },
      );
      if (found.agency === null) throw new Error(`NOT_FOUND: no agency ${code} in the directory`);
      printEntry(found.agency);
      return 0;
    }
    case 'versions': {
      const answer = await gateway<{ agencyEntryVersions: unknown[] }>(
        'query ($c: String!) { agencyEntryVersions(code: $c) { version deleted updatedAt updatedBy note } }',
        { c: need(args[0], 'code') },
      );
      process.stdout.write(`${JSON.stringify(answer.agencyEntryVersions, null, 2)}\n`);
      return 0;
    }
    case 'put': {
      const answer = await gateway<{ putAgencyEntry: AgencyEntry }>(
        `mutation ($e: String!, $v: Int!, $n: String) { putAgencyEntry(entry: $e, version: $v, note: $n) { ${ENTRY} } }`,
        {
          e: await readFile(need(args[0], 'file'), 'utf8'),
          v: args[1] === undefined ? 0 : version(args[1]),
          n: note,
        },
      );
      printEntry(answer.putAgencyEntry);
      return 0;
    }
    case 'delete': {
      const code = need(args[0], 'code');
      const answer = await gateway<{ deleteAgencyEntry: AgencyEntry | null }>(
        `mutation ($c: String!, $v: Int!, $n: String) { deleteAgencyEntry(code: $c, version: $v, note: $n) { ${ENTRY} } }`,
        { c: code, v: version(need(args[1], 'version')), n: note },
      );
      if (answer.deleteAgencyEntry === null)
        process.stdout.write(
          `${code}: runtime entry deleted; the code is no longer in the directory\n`,
        );
      else {
        process.stdout.write(
          `${code}: runtime entry deleted; the file's entry is in effect again\n`,
        );
        printEntry(answer.deleteAgencyEntry);
      }
      return 0;
    }
    default:
      process.stdout.write(`${USAGE}\n`);
      return command === undefined || values.help ? 0 : 2;
  }
}

/** Every agency matching the words, a page of 500 at a time. */
async function list(search: string): Promise<number> {
  let after: string | null = null;
  let count = 0;
  do {
    const page: {
      agencies: {
        nodes: AgencyLine[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    } = await gateway(
      `query ($s: String, $a: String) { agencies(search: $s, first: 500, after: $a) { nodes { ${LINE} } pageInfo { hasNextPage endCursor } } }`,
      { s: search === '' ? null : search, a: after },
    );
    for (const agency of page.agencies.nodes) {
      const validity =
        agency.validFrom === null && agency.validTo === null
          ? ''
          : `  [${agency.validFrom ?? '…'} – ${agency.validTo ?? '…'}]`;
      const origin = agency.origin === 'RUNTIME' ? `RUNTIME v${agency.version}` : 'FILE';
      process.stdout.write(
        `${agency.code.padEnd(14)} ${origin.padEnd(11)} ${agency.name}${validity}\n`,
      );
      count += 1;
    }
    after = page.agencies.pageInfo.hasNextPage ? page.agencies.pageInfo.endCursor : null;
  } while (after !== null);
  process.stderr.write(`${count} agencies\n`);
  return 0;
}

/** A comment line with where it comes from and the version to send, then the entry as YAML. */
function printEntry(agency: AgencyEntry): void {
  process.stdout.write(
    `# ${agency.code}: ${agency.origin === 'RUNTIME' ? 'runtime entry' : 'entry of the directory file'}; send version ${agency.version} with a change\n${agency.entry}`,
  );
}

function version(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`version must be a whole number, 0 or more (got ${JSON.stringify(text)})`);
  return value;
}

function need(value: string | undefined, what: string): string {
  if (value === undefined) throw new Error(`missing ${what}\n\n${USAGE}`);
  return value;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  },
);
