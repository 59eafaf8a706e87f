/**
 * Every folder of src/oauth opens with an index.ts whose doc comment says what lives there: it
 * names each file and sub-folder of the folder (as `file.ts` or `folder/`) and nothing that is gone.
 * A file added without its line in the index fails here, with the line to add.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const oauth = join(repoRoot, 'src/oauth');

function folders(dir: string): string[] {
  const subs = readdirSync(dir).filter((e) => statSync(join(dir, e)).isDirectory());
  return [dir, ...subs.flatMap((s) => folders(join(dir, s)))];
}

describe('src/oauth folder indexes', () => {
  it.each(folders(oauth).map((d) => [relative(repoRoot, d), d] as const))('%s/index.ts', (_name, dir) => {
    const source = readFileSync(join(dir, 'index.ts'), 'utf8');
    const header = /^\/\*\*([\s\S]*?)\*\//.exec(source)?.[1] ?? '';
    const entries = readdirSync(dir)
      .filter((e) => e !== 'index.ts')
      .map((e) => (statSync(join(dir, e)).isDirectory() ? `${e}/` : e));
    const named = [...header.matchAll(/`([a-z0-9-]+(?:\.ts|\/))`/g)].map((m) => m[1]);
    const missing = entries.filter((e) => !named.includes(e));
    expect(missing, `add a line " * - \`${missing[0]}\`: what it is." to its index.ts`).toEqual([]);
    expect(named.filter((n) => !entries.includes(n as string))).toEqual([]);
  });
});
