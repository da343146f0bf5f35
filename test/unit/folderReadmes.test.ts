import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const src = join(root, 'src');

/** The folders each layer rule of .dependency-cruiser.cjs lets a folder import. */
function layerRules(): Map<string, string[]> {
  const config = require(join(root, '.dependency-cruiser.cjs')) as {
    forbidden: Array<{ name: string; to: { pathNot?: string[] } }>;
  };
  return new Map(
    config.forbidden
      .filter((rule) => rule.name.startsWith('layer-'))
      .map((rule) => [
        rule.name.slice('layer-'.length),
        (rule.to.pathNot ?? []).slice(1).map((path) => path.replace(/^\^src\/(.*)\/$/, '$1')),
      ]),
  );
}

describe('Every folder of src/ says what lives there and what it may import', () => {
  const folders = readdirSync(src, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  const rules = layerRules();

  it('has a README with a "May import:" line', () => {
    const missing = folders.filter((folder) => {
      const readme = join(src, folder, 'README.md');
      return !existsSync(readme) || !/^May import: /m.test(readFileSync(readme, 'utf8'));
    });
    expect(missing).toEqual([]);
  });

  it('names exactly the folders its layer rule allows', () => {
    const wrong: string[] = [];
    for (const [folder, allowed] of rules) {
      const line = /^May import: (.*)$/m.exec(
        readFileSync(join(src, folder, 'README.md'), 'utf8'),
      )?.[1];
      const named = [...(line ?? '').matchAll(/`src\/([a-z]+)`/g)].map((m) => m[1]);
      if (named.sort().join() !== [...allowed].sort().join())
        wrong.push(`${folder}: README says [${named}], the rule allows [${allowed}]`);
    }
    expect(wrong).toEqual([]);
    // Every folder with TypeScript has a rule, or is a composition root.
    const unruled = folders.filter(
      (folder) => !rules.has(folder) && !['cli', 'config', 'console'].includes(folder),
    );
    expect(unruled).toEqual([]);
  });
});
