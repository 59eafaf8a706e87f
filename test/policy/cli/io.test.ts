// The process side of `mandate policy`: lines to stdout and stderr with a newline each, stdin read
// whole (run in a real child process), and UsageError as the bad-usage signal.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { processIo, UsageError } from '../../../src/policy/cli/io.js';
import { repoRoot } from '../helpers.js';

afterEach(() => vi.restoreAllMocks());

describe('processIo', () => {
  it('writes each line with a newline to stdout and stderr', () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    processIo.out('hello');
    processIo.err('oops');
    expect(out).toHaveBeenCalledWith('hello\n');
    expect(err).toHaveBeenCalledWith('oops\n');
  });

  it('reads stdin to its end as UTF-8, across chunks', () => {
    const script = `import('${join(repoRoot, 'src/policy/cli/io.ts')}').then(async (m) => process.stdout.write(JSON.stringify(await m.processIo.stdin())))`;
    const text = 'é😀\n'.repeat(50_000);
    const got = execFileSync(join(repoRoot, 'node_modules/.bin/tsx'), ['-e', script], {
      input: text,
      maxBuffer: 8 << 20,
    });
    expect(JSON.parse(got.toString()) as string).toBe(text);
  }, 60_000);

  it('reads the process environment', () => {
    expect(processIo.env).toBe(process.env);
  });
});

describe('UsageError', () => {
  it('is an Error named UsageError', () => {
    const e = new UsageError('check takes one bundle file');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('UsageError');
    expect(e.message).toBe('check takes one bundle file');
  });
});
