import {
  existsSync,
  mkdtempSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** The repository root (not imported from the test gateway: this test needs no gateway). */
const PROJECT_ROOT = join(__dirname, '..', '..');

/** Folders that are not part of the repository's documents: installed, built or written by runs. */
const SKIPPED = [
  'node_modules',
  'dist',
  'var',
  'coverage',
  'test/artifacts',
  'bench/results',
  '.git',
];

/** Every `*.md` file under `root`, as paths relative to it with `/` separators, sorted. */
function markdownFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
      const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
      if (SKIPPED.includes(path)) continue;
      // Symbolic links are not followed (a worktree's node_modules may be one).
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith('.md')) found.push(path);
    }
  };
  walk('');
  return found.sort();
}

const blank = (s: string) => s.replace(/[^\n]/g, ' ');

/** The text with fenced code blocks blanked out (same length, same line breaks). */
function withoutFences(text: string): string {
  const lines = text.split('\n');
  let fence: string | null = null;
  const kept = lines.map((line) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === null && marker) {
      fence = marker;
      return blank(line);
    }
    if (fence !== null) {
      if (
        marker &&
        marker[0] === fence[0] &&
        marker.length >= fence.length &&
        /^ {0,3}[`~]+\s*$/.test(line)
      ) {
        fence = null;
      }
      return blank(line);
    }
    return line;
  });
  return kept.join('\n');
}

/**
 * The text with fenced code blocks and inline code spans blanked out, so that offsets still give
 * line numbers and nothing inside code counts as a link.
 */
function withoutCode(text: string): string {
  return withoutFences(text).replace(/(`+)[^`]*?\1/g, blank);
}

/** GitHub's anchor for a heading's text (github-slugger: lower case, punctuation dropped, spaces to dashes). */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .trim();
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors a Markdown file offers: its headings' slugs (repeats numbered as GitHub does) and HTML ids. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutFences(text).split('\n')) {
    const heading = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line)?.[1];
    if (heading !== undefined) {
      const slug = githubSlug(heading);
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const id of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(id[1] as string);
  }
  return anchors;
}

interface BrokenLink {
  file: string;
  line: number;
  target: string;
  problem: string;
}

/**
 * Every relative link of the Markdown files under `root` that does not resolve: `[text](path)`,
 * `[text](path#anchor)`, `![alt](path)` and `[label]: path` definitions. Links with a scheme
 * (`https:`, `mailto:`) and pure `#anchor` links are not checked. A path must name a file or
 * folder inside the repository (not in a skipped folder); an anchor into a Markdown file must be
 * one of its headings.
 */
function brokenLinks(root: string): BrokenLink[] {
  const broken: BrokenLink[] = [];
  const anchorCache = new Map<string, Set<string>>();
  for (const file of markdownFiles(root)) {
    const text = withoutCode(readFileSync(join(root, file), 'utf8'));
    const links = [
      ...[
        ...text.matchAll(
          /!?\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g,
        ),
      ].map((m) => ({ offset: m.index, target: m[1] as string })),
      ...[...text.matchAll(/^ {0,3}\[[^\]]+\]:[ \t]*(<[^>]*>|\S+)/gm)].map((m) => ({
        offset: m.index,
        target: m[1] as string,
      })),
    ];
    for (const { offset, target: written } of links) {
      const target = written.replace(/^<|>$/g, '');
      if (target === '' || target.startsWith('#') || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const line = text.slice(0, offset).split('\n').length;
      const report = (problem: string) => broken.push({ file, line, target, problem });
      const hash = target.indexOf('#');
      const pathPart = hash === -1 ? target : target.slice(0, hash);
      const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
      let decoded: string;
      try {
        decoded = decodeURIComponent(pathPart);
      } catch {
        report('not a valid URL path');
        continue;
      }
      const absolute = decoded.startsWith('/')
        ? resolve(root, `.${decoded}`)
        : resolve(root, dirname(file), decoded);
      const inside = relative(resolve(root), absolute);
      if (inside.startsWith('..') || resolve(root, inside) !== absolute) {
        report('outside the repository');
        continue;
      }
      const insidePosix = inside.split(sep).join('/');
      if (
        SKIPPED.some((skipped) => insidePosix === skipped || insidePosix.startsWith(`${skipped}/`))
      ) {
        report('in a folder that is not part of the repository');
        continue;
      }
      if (!existsSync(absolute)) {
        report('no such file or folder');
        continue;
      }
      if (anchor !== null && anchor !== '' && absolute.endsWith('.md')) {
        let anchors = anchorCache.get(absolute);
        if (!anchors) {
          anchors = anchorsOf(readFileSync(absolute, 'utf8'));
          anchorCache.set(absolute, anchors);
        }
        if (!anchors.has(anchor)) report(`no heading #${anchor} there`);
      }
    }
  }
  return broken;
}

const describeLink = (link: BrokenLink) =>
  `${link.file}:${link.line} → ${link.target} (${link.problem})`;

describe('Docs: every relative link in a Markdown file resolves', () => {
  it('finds the Markdown files, skipping installed and generated folders', () => {
    const files = markdownFiles(PROJECT_ROOT);
    expect(files).toContain('README.md');
    expect(files).toContain('docs/provincial-it-guide.md');
    expect(files.some((file) => file.startsWith('node_modules/'))).toBe(false);
  });

  it('has no broken link in the repository (file:line → target)', () => {
    expect(brokenLinks(PROJECT_ROOT).map(describeLink)).toEqual([]);
  });
});

describe('Docs: the link check itself', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'dvcgw-doclinks-'));
    mkdirSync(join(root, 'docs'));
    mkdirSync(join(root, 'node_modules', 'pkg'), { recursive: true });
    writeFileSync(join(root, 'node_modules', 'pkg', 'README.md'), '[gone](nowhere.md)\n');
    writeFileSync(
      join(root, 'docs', 'guide.md'),
      [
        '# Guide',
        '',
        '## On time? Working time and `timeliness`',
        '',
        '## Kind `rest-json`: a system answering JSON',
      ].join('\n'),
    );
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('names each broken link with its file and line, and passes good ones', () => {
    writeFileSync(
      join(root, 'README.md'),
      [
        '# Title',
        '',
        'Good: [guide](docs/guide.md), [folder](docs/), [anchor](docs/guide.md#on-time-working-time-and-timeliness),',
        '[kind](docs/guide.md#kind-rest-json-a-system-answering-json), [web](https://example.org/x.md),',
        '[mail](mailto:a@b.c), [here](#title), `[code](missing.md)`.',
        '',
        '```md',
        '[in a block](missing.md)',
        '```',
        '',
        'Bad: [missing](docs/missing.md) and [anchor](docs/guide.md#no-such-heading)',
        'and [outside](../elsewhere/docs/domain.md) and [a long',
        'text](docs/other.md).',
        '',
        '[ref]: docs/absent.md',
      ].join('\n'),
    );
    expect(brokenLinks(root).map(describeLink)).toEqual([
      'README.md:11 → docs/missing.md (no such file or folder)',
      'README.md:11 → docs/guide.md#no-such-heading (no heading #no-such-heading there)',
      'README.md:12 → ../elsewhere/docs/domain.md (outside the repository)',
      'README.md:12 → docs/other.md (no such file or folder)',
      'README.md:15 → docs/absent.md (no such file or folder)',
    ]);
  });

  it('resolves links relative to the file that holds them', () => {
    writeFileSync(
      join(root, 'docs', 'other.md'),
      'See [the guide](guide.md) and [the top](../README.md).\n',
    );
    writeFileSync(join(root, 'README.md'), '# Top\n');
    expect(brokenLinks(root)).toEqual([]);
  });

  it('makes anchors as GitHub does, numbering repeated headings', () => {
    expect(githubSlug('When systems misbehave: freshness, guarded calls, pushes')).toBe(
      'when-systems-misbehave-freshness-guarded-calls-pushes',
    );
    expect(githubSlug('Inter-agency matters: `dossierTrace`')).toBe(
      'inter-agency-matters-dossiertrace',
    );
    expect(githubSlug('Đăng ký lúc chạy')).toBe('đăng-ký-lúc-chạy');
    expect([...anchorsOf('# A\n## A\n## A\n')]).toEqual(['a', 'a-1', 'a-2']);
  });
});
