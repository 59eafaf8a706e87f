/**
 * docs/architecture.md against the tree (issue #11 §5 and its done-when: a newcomer, given only
 * that page and the tree, finds where RFC 8693, RFC 9449, RFC 7591 and the audit chain live and
 * where a new grant type goes): every path the page names exists, every folder under src/ is named
 * on it, the lint rules cite it, and the rows a newcomer looks for name files that exist.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const doc = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');

/** Where a bare name (`outbox.ts`, `grants/`) may live: beside a path named before it in its block, or at these. */
const BASES = ['', 'src/', 'src/oauth/'];

/** Words that look like repository paths: a full path, a `*.ts`/`*.md`/`*.js` file or a `folder/`. */
function pathWords(text: string): string[] {
  return [...text.matchAll(/(?<![\w@*.-])((?:[\w.-]+\/)*[\w.-]+(?:\.(?:ts|md|js|json|sql)|\/))(?![\w*])/g)]
    .map((m) => m[1] ?? '')
    .filter((w) => !/^\.+\/?$/.test(w) && !w.startsWith('@'));
}

/** The page's blocks (a table row, a paragraph, the picture), each resolved on its own. */
function blocks(text: string): string[] {
  return text.split(/\n(?=\|)|\n\s*\n/);
}

function missingPaths(text: string): string[] {
  const missing: string[] = [];
  for (const block of blocks(text)) {
    let near: string[] = [];
    for (const word of pathWords(block)) {
      const candidates = [...near, ...BASES].map((base) => base + word);
      const found = candidates.find((c) => existsSync(join(root, c)));
      if (found === undefined) missing.push(word);
      else if (word.includes('/') && word !== 'packages/mcp-kit/')
        near = [found.endsWith('/') ? found : found.slice(0, found.lastIndexOf('/') + 1), ...near];
    }
  }
  return missing;
}

function folders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => [join(dir, e.name), ...folders(join(dir, e.name))]);
}

/** The table row (or section) a newcomer reads for `topic`. */
function rowAbout(topic: RegExp): string {
  const row = doc.split('\n').find((line) => line.startsWith('|') && topic.test(line));
  expect(row, `docs/architecture.md has a row about ${topic}`).toBeDefined();
  return row ?? '';
}

describe('docs/architecture.md', () => {
  it('reads path words as written, and skips globs and package names', () => {
    expect(pathWords('`src/audit/chain.ts` (x), `outbox.ts`, wiring/ and */cli* @mandate/mcp-kit')).toEqual([
      'src/audit/chain.ts',
      'outbox.ts',
      'wiring/',
    ]);
  });

  it('names only paths that exist (a bare name beside a path named before it in its row)', () => {
    expect(missingPaths(doc)).toEqual([]);
    expect(missingPaths('`src/audit/chain.ts`, `outbox.ts`, `no-such-file.ts`')).toEqual(['no-such-file.ts']);
  });

  it('names every folder under src/', () => {
    const unnamed = folders(join(root, 'src'))
      .map((dir) => relative(join(root, 'src'), dir))
      .filter((dir) => {
        const name = dir.slice(dir.lastIndexOf('/') + 1);
        return !doc.includes(`${dir}/`) && !pathWords(doc).includes(`${name}/`);
      });
    expect(unnamed, 'say on docs/architecture.md what these folders hold').toEqual([]);
  });

  it.each(['src', 'src/oauth', 'src/wiring'])('names every file at the top of %s/', (dir) => {
    const files = readdirSync(join(root, dir)).filter((f) => f.endsWith('.ts'));
    expect(files.filter((f) => !pathWords(doc).includes(f))).toEqual([]);
  });

  it('is cited by the lint rules that enforce it', () => {
    expect(readFileSync(join(root, 'eslint', 'layering.js'), 'utf8')).toContain('docs/architecture.md');
    expect(readFileSync(join(root, 'eslint.config.js'), 'utf8')).toContain('docs/architecture.md');
  });

  it.each([
    ['token exchange', /RFC 8693/, 'src/oauth/grants/token-exchange.ts'],
    ['DPoP', /RFC 9449/, 'packages/mcp-kit/src/dpop/'],
    ['dynamic client registration', /RFC 7591/, 'src/oauth/clients/register-client.ts'],
    ['the audit chain', /audit chain/i, 'src/audit/chain.ts'],
  ])('says where %s lives', (_name, topic, path) => {
    const row = rowAbout(topic);
    expect(row).toContain(path);
    expect(existsSync(join(root, path))).toBe(true);
  });

  it('says where the server side of DPoP lives, not only the kit', () => {
    const row = rowAbout(/RFC 9449/);
    for (const path of [
      'src/http/routes/token.ts',
      'src/wiring/protocol.ts',
      'src/store/replay-store.ts',
      'src/oauth/tokens/mint-access-token.ts',
      'src/oauth/endpoints/token-endpoint.ts',
    ])
      expect(row).toContain(path);
    expect(row).toContain('cnf.jkt');
  });

  it('says where a new grant type goes', () => {
    const section = doc.slice(doc.indexOf('## Adding a grant type'));
    expect(section.length).toBeGreaterThan(200);
    expect(section).toContain('src/oauth/grants/');
    expect(section).toContain('src/oauth/grants/index.ts');
    expect(existsSync(join(root, 'src/oauth/grants/grant.ts'))).toBe(true);
  });
});
