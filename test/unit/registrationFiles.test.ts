import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_KINDS } from '../../connectors/builtinKinds';
import { ConfigurationError } from '../../src/errors/ConfigurationError';
import { loadRegistrationFiles, parseRegistration } from '../../src/registry/loadRegistrationFiles';
import { PROJECT_ROOT, SAMPLE_REGISTRATIONS } from '../support/testGateway';

const variables = {
  SAMPLE_LAND_URL: 'http://127.0.0.1:3',
  SAMPLE_LAND_USER: 'u',
  SAMPLE_LAND_PASSWORD: 'p',
  SAMPLE_REST_URL: 'http://127.0.0.1:1',
  SAMPLE_REST_API_KEY: 'k',
  SAMPLE_MINISTRY_URL: 'http://127.0.0.1:2',
  SAMPLE_MINISTRY_CLIENT_ID: 'c',
  SAMPLE_MINISTRY_CLIENT_SECRET: 's',
  SAMPLE_REST_PUSH_SECRET: 'rest-push-secret-16+',
  SAMPLE_MINISTRY_PUSH_SECRET: 'ministry-push-secret-16+',
  SAMPLE_MERGED_URL: 'http://127.0.0.1:4',
  SAMPLE_MERGED_API_KEY: 'k',
  SAMPLE_MERGED_CLIENT_ID: 'c',
};

const minimal = (id: string, units: string) => `
id: ${id}
kind: rest-json
name: Hệ thống ${id}
coverage: { units: [${units}] }
upstream: { baseUrl: 'http://127.0.0.1:9/api' }
config:
  lookup: { single: { path: '/hoso/{code}' } }
  mapping: { code: ma, status: trangThai }
  statuses: { map: { moi: 2 } }
`;

describe('Registration files: all valid or nothing registered', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'registrations-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  const problemsOf = async (): Promise<string[]> => {
    try {
      await loadRegistrationFiles(folder, { kinds: BUILTIN_KINDS, variables: {} });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      return (error as ConfigurationError).problems.map(
        (p) => `${p.file.slice(folder.length + 1)} ${p.path}: ${p.message}`,
      );
    }
    throw new Error('expected the files to be refused');
  };

  it('loads the bundled sample registrations', async () => {
    const registrations = await loadRegistrationFiles(SAMPLE_REGISTRATIONS, {
      kinds: BUILTIN_KINDS,
      variables,
    });
    expect(registrations.map((r) => [r.id, r.kind])).toEqual([
      ['bo-noi-vu-dvc', 'national-sync'],
      ['thanh-hoa-datdai', 'soap'],
      ['thanh-hoa-motcua', 'rest-json'],
      ['tuyen-quang-motcua', 'rest-json'],
    ]);
    expect(registrations[0]?.upstream.baseUrl).toBe('http://127.0.0.1:2/api/dvcqg');
    expect(registrations[2]?.upstream.timeoutMs).toBe(3000);
    expect(registrations[2]?.ttl.PROCESSING).toBe(30);
    expect(registrations[2]?.ttl.RETURNED).toBe(86400);
  });

  it('names the file, the field path and the problem', async () => {
    await writeFile(join(folder, 'a.yaml'), minimal('tinh-a', 'H01'));
    await writeFile(
      join(folder, 'b.yaml'),
      minimal('tinh-b', 'H02')
        .replace("path: '/hoso/{code}'", "path: 'hoso'")
        .replace('moi: 2', 'moi: 12'),
    );
    expect(await problemsOf()).toEqual([
      'b.yaml config.lookup.single.path: a path relative to the base URL, starting with "/" (no scheme or host)',
      'b.yaml config.lookup.single.path: the path must contain {code}',
      'b.yaml config.statuses.map.moi: Too big: expected number to be <=10',
    ]);
  });

  it('refuses an unknown kind, listing the known ones', async () => {
    await writeFile(
      join(folder, 'a.yaml'),
      minimal('tinh-a', 'H01').replace('kind: rest-json', 'kind: odata'),
    );
    expect(await problemsOf()).toEqual([
      'a.yaml kind: unknown connector kind "odata"; known kinds: rest-json, national-sync, soap',
    ]);
  });

  it('refuses a reference to an unset variable', async () => {
    await writeFile(
      join(folder, 'a.yaml'),
      minimal('tinh-a', 'H01').replace('http://127.0.0.1:9/api', '${NOT_SET_ANYWHERE}'),
    );
    expect(await problemsOf()).toEqual([
      'a.yaml upstream.baseUrl: refers to ${NOT_SET_ANYWHERE}, which is not set',
    ]);
  });

  it('takes an empty variable as unset, as the shell does', async () => {
    await writeFile(
      join(folder, 'a.yaml'),
      minimal('tinh-a', 'H01').replace(
        'http://127.0.0.1:9/api',
        '${EMPTY:-http://127.0.0.1:8/api}',
      ),
    );
    const [registration] = await loadRegistrationFiles(folder, {
      kinds: BUILTIN_KINDS,
      variables: { EMPTY: '' },
    });
    expect(registration?.upstream.baseUrl).toBe('http://127.0.0.1:8/api');
  });

  it('refuses credentials inside a base URL, and paths that climb', async () => {
    await writeFile(
      join(folder, 'a.yaml'),
      minimal('tinh-a', 'H01')
        .replace('http://127.0.0.1:9/api', 'http://u:secret@127.0.0.1:9/api')
        .replace("path: '/hoso/{code}'", "path: '/hoso/../admin/{code}'"),
    );
    expect(await problemsOf()).toEqual([
      'a.yaml upstream.baseUrl: no user or password in the URL; put credentials in upstream.auth',
      'a.yaml config.lookup.single.path: a path without "." or ".." segments',
    ]);
  });

  it('refuses a duplicate id and overlapping coverage', async () => {
    await writeFile(join(folder, 'a.yaml'), minimal('tinh-a', 'H01'));
    await writeFile(join(folder, 'b.yaml'), minimal('tinh-a', 'H02'));
    await writeFile(join(folder, 'c.yaml'), minimal('tinh-c', 'H01'));
    expect(await problemsOf()).toEqual([
      expect.stringMatching(/^b\.yaml id: id "tinh-a" is already used by .*a\.yaml$/),
      'c.yaml coverage: unit H01 is already covered by registration "tinh-a"',
    ]);
  });

  it('refuses a file that is not YAML, and a base URL that is not http(s)', async () => {
    await writeFile(join(folder, 'a.yaml'), 'id: [unclosed');
    await writeFile(
      join(folder, 'b.json'),
      minimal('tinh-b', 'H02').replace('http://127.0.0.1:9/api', 'file:///etc/passwd'),
    );
    const problems = await problemsOf();
    expect(problems[0]).toBe('a.yaml : not valid YAML or JSON at line 1, column 14');
    expect(problems[1]).toBe('b.json upstream.baseUrl: an absolute http(s) URL');
  });

  it('refuses a mapping expression that does not compile, with its path', async () => {
    await writeFile(
      join(folder, 'a.yaml'),
      minimal('tinh-a', 'H01').replace('status: trangThai', 'status: "trangThai["'),
    );
    expect((await problemsOf())[0]).toMatch(
      /^a\.yaml config\.mapping\.status: JSONata syntax error/,
    );
  });
});

describe("Registration docs: every example in the kinds' guides and the Vietnamese guide is valid", () => {
  const documents = [
    join('connectors', 'rest-json', 'README.md'),
    join('connectors', 'national-sync', 'README.md'),
    join('connectors', 'soap', 'README.md'),
    join('docs', 'huong-dan-dang-ky-ket-noi.md'),
  ];
  for (const document of documents) {
    it(`${document}: its registration examples load`, () => {
      const text = readFileSync(join(PROJECT_ROOT, document), 'utf8');
      const examples = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)]
        .map((m) => m[1] as string)
        .filter((block) => /^kind:/m.test(block));
      expect(examples.length).toBeGreaterThan(0);
      for (const example of examples) {
        const result = parseRegistration(example, document, {
          kinds: BUILTIN_KINDS,
          variables: { ...variables, TINH_X_API_KEY: 'k' },
        });
        expect(result.ok ? [] : result.problems).toEqual([]);
        // A "full example" of a bundled system says exactly what its file says.
        const file = result.ok ? join(SAMPLE_REGISTRATIONS, `${result.registration.id}.yaml`) : '';
        if (result.ok && existsSync(file)) {
          const bundled = parseRegistration(readFileSync(file, 'utf8'), file, {
            kinds: BUILTIN_KINDS,
            variables,
          });
          const comparable = (r: typeof result.registration) => ({
            ...r,
            description: undefined,
            origin: undefined,
          });
          expect(bundled.ok && comparable(bundled.registration)).toEqual(
            comparable(result.registration),
          );
        }
      }
    });
  }
});
