/**
 * The README and docs/ are what a newcomer reads in a clone: every relative link must lead
 * to a file (and heading) of the repository, and every command they name must exist.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const SCRIPTS = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);

function read(file: string): string {
  return readFileSync(join(ROOT, file), 'utf8');
}

/** README.md and every Markdown file under docs/, as repository-relative paths. */
function documents(): string[] {
  const walk = (directory: string): string[] =>
    readdirSync(join(ROOT, directory), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(directory, entry.name)) : entry.name.endsWith('.md') ? [join(directory, entry.name)] : [],
    );
  return ['README.md', ...walk('docs')];
}

/** Markdown without its fenced code blocks and inline code, where a link is not a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const match of read(file).replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = slug(match[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Every problem with the relative links of one document. */
function brokenLinks(file: string, markdown = read(file)): string[] {
  const problems: string[] = [];
  for (const [, target] of prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target!)) continue; // https:, mailto: …
    const [path, anchor] = target!.split('#') as [string, string | undefined];
    const resolved = path === '' ? join(ROOT, file) : resolve(ROOT, dirname(file), decodeURIComponent(path));
    const inside = relative(ROOT, resolved);
    if (inside.startsWith('..')) problems.push(`${file}: ${target} leads outside the repository`);
    else if (!existsSync(resolved)) problems.push(`${file}: ${target} does not exist`);
    else if (anchor && statSync(resolved).isFile() && resolved.endsWith('.md') && !anchorsOf(inside).has(anchor)) {
      problems.push(`${file}: ${target} names no heading of ${inside}`);
    }
  }
  return problems;
}

/** Every `npm start`, `npm test` and `npm run <script>` a document names, with the script it needs. */
function npmCommands(markdown: string): { command: string; script: string }[] {
  return [...markdown.matchAll(/\bnpm (start|test|run(?:-script)? ([a-z][\w:-]*))\b/g)].map((match) => ({
    command: match[0],
    script: match[2] ?? match[1]!,
  }));
}

/** Repository files a document tells you to run (`node scripts/…`, `bash infra/…`). */
function filesRun(markdown: string): string[] {
  return [...markdown.matchAll(/\b(?:node|bash|sh) ((?:scripts|infra|bench|apps|dist)\/[\w./-]+)/g)].map((match) => match[1]!);
}

describe('documentation', () => {
  it('covers the README and every page of docs/', () => {
    expect(documents()).toEqual(expect.arrayContaining(['README.md', 'docs/contract.md', 'docs/partners.md', 'docs/configuration.md']));
  });

  it('links only to files and headings inside the repository', () => {
    expect(documents().flatMap((file) => brokenLinks(file))).toEqual([]);
  });

  it('names only npm scripts that package.json defines', () => {
    const missing = documents().flatMap((file) =>
      npmCommands(read(file))
        .filter(({ script }) => !SCRIPTS.includes(script))
        .map(({ command }) => `${file}: ${command}`),
    );
    expect(missing).toEqual([]);
  });

  it('tells you to run only files the repository holds (or the build makes, under dist/)', () => {
    const missing = documents().flatMap((file) =>
      filesRun(read(file))
        .filter((path) => !path.startsWith('dist/') && !existsSync(join(ROOT, path)))
        .map((path) => `${file}: ${path}`),
    );
    expect(missing).toEqual([]);
  });

  it('keeps the README short: what Accord is, the two commands, the walkthrough and links', () => {
    const readme = read('README.md');
    expect(readme).toMatch(/```sh\nnpm start\nnpm test\n```/);
    expect(Buffer.byteLength(readme)).toBeLessThan(8 * 1024);
  });

  it('finds what it checks: planted broken links, commands and files are reported, code is not a link', () => {
    const planted = [
      '[outside](../../shared/design/CONTRACT.md)',
      '[missing](nowhere.md)',
      '[heading](partners.md#no-such-heading)',
      '[fine](partners.md) [web](https://example.org/x.md) `[code](not-a-link.md)`',
      '```sh\n[fenced](not-a-link-either.md)\n```',
    ].join('\n');
    expect(brokenLinks('docs/planted.md', planted)).toEqual([
      'docs/planted.md: ../../shared/design/CONTRACT.md leads outside the repository',
      'docs/planted.md: nowhere.md does not exist',
      'docs/planted.md: partners.md#no-such-heading names no heading of docs/partners.md',
    ]);
    expect(npmCommands('run `npm run audit:verify`, then npm start and npm run no-such-script')).toEqual([
      { command: 'npm run audit:verify', script: 'audit:verify' },
      { command: 'npm start', script: 'start' },
      { command: 'npm run no-such-script', script: 'no-such-script' },
    ]);
    expect(filesRun('node scripts/apply-agreements.js; bash infra/kafka/kafka.sh start')).toEqual(['scripts/apply-agreements.js', 'infra/kafka/kafka.sh']);
    expect(slug('Connecting a partner over HTTPS')).toBe('connecting-a-partner-over-https');
    expect(slug('`npm start` — what it does')).toBe('npm-start--what-it-does');
  });
});
