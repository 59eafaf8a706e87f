/**
 * Test files stay small (issue #11 §6; shared/style.md: "around 300 lines is a signal to split"):
 * every `*.test.ts` under test/ and packages/mcp-kit/test is at most 300 lines. A file that grows
 * past it is split by concern, its shared setup moved to a helper (test/helpers/, or a
 * `<name>-stack.ts` beside the tests, as test/examples/second-hop-stack.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const MAX_LINES = 300;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Lines as an editor counts them: a final newline does not start another line. */
function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

const files = [join(root, 'test'), join(root, 'packages', 'mcp-kit', 'test')].flatMap(testFiles);

describe('test file size', () => {
  it('counts lines as wc -l does for a file ending in a newline', () => {
    expect([lineCount(''), lineCount('a\n'), lineCount('a\nb'), lineCount('a\nb\n')]).toEqual([0, 1, 2, 2]);
  });

  it('finds the test files of the server and of the kit', () => {
    const names = files.map((path) => relative(root, path));
    expect(names).toContain('test/structure/test-size.test.ts');
    expect(names.some((name) => name.startsWith('packages/mcp-kit/test/'))).toBe(true);
  });

  it(`no test file is over ${MAX_LINES} lines`, () => {
    const over = files
      .map((path) => ({ file: relative(root, path), lines: lineCount(readFileSync(path, 'utf8')) }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(over, 'split these by concern, sharing their setup through a helper').toEqual([]);
  });
});
