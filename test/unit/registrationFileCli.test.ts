import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readRegistrationFile } from '../../src/cli/registrationFile';

const DOCUMENT = `id: nen-tang-x  # a comment
kind: rest-json
name: "Nền tảng X"
upstream:
  baseUrl: \${VNPT_BASE_URL:-https://api.example.vn}
  auth:
    - type: apiKey
      queryParam: api_key
      value: \${VNPT_API_KEY}
    - { type: apiKey, header: X-Client-Id, value: "\${VNPT_CLIENT_ID}" }
`;

describe('The connectors command line fills a document from the caller’s shell', () => {
  let folder: string;
  let file: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'registration-file-'));
    file = join(folder, 'x.yaml');
  });
  afterEach(() => rm(folder, { recursive: true, force: true }));

  it('fills every ${NAME} from the environment, defaults included, values as given', async () => {
    await writeFile(file, DOCUMENT);
    const sent = await readRegistrationFile(file, {
      VNPT_API_KEY: 'k: "quoted" # not a comment',
      VNPT_CLIENT_ID: 'so-tttt',
    });
    expect(parseYaml(sent)).toEqual({
      id: 'nen-tang-x',
      kind: 'rest-json',
      name: 'Nền tảng X',
      upstream: {
        baseUrl: 'https://api.example.vn',
        auth: [
          { type: 'apiKey', queryParam: 'api_key', value: 'k: "quoted" # not a comment' },
          { type: 'apiKey', header: 'X-Client-Id', value: 'so-tttt' },
        ],
      },
    });
  });

  it('refuses a variable that is not set (or empty), naming it and its field, before sending', async () => {
    await writeFile(file, DOCUMENT);
    await expect(
      readRegistrationFile(file, { VNPT_API_KEY: 'k', VNPT_CLIENT_ID: '' }),
    ).rejects.toThrow(
      `${file} upstream.auth[1].value: refers to \${VNPT_CLIENT_ID}, which is not set in your shell (export it, or give it on the command line: NAME=… npm run connectors -- …)`,
    );
  });

  it('says to quote a reference inside braces, which YAML does not read', async () => {
    await writeFile(file, 'id: x\nupstream: { auth: { type: bearer, token: ${T} } }\n');
    await expect(readRegistrationFile(file, { T: 't' })).rejects.toThrow(
      `${file}: not valid YAML or JSON at line 2 (inside { } write "\${NAME}" in quotes)`,
    );
  });

  it('sends a document without references as written', async () => {
    const text = DOCUMENT.replace(/\$\{[^}]*\}/g, 'x');
    await writeFile(file, text);
    expect(await readRegistrationFile(file, {})).toBe(text);
  });
});
