// Finding and running the OPA CLI: an explicit path wins, else the pinned .tools/bin/opa; a
// failure rejects with OPA's own message, a missing binary with how to install it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findOpa, opa } from '../../src/policy/opa-cli.js';
import { opaBin, repoRoot, tempDir } from './helpers.js';

describe('OPA CLI', () => {
  it('prefers an explicit path, else the pinned binary', () => {
    expect(findOpa('/opt/opa')).toBe('/opt/opa');
    const pinned = join(repoRoot, '.tools', 'bin', 'opa');
    expect(findOpa()).toBe(existsSync(pinned) ? pinned : 'opa');
  });

  it('runs OPA and returns its output', async () => {
    const { stdout } = await opa(opaBin(), ['version']);
    expect(stdout).toMatch(/^Version: \d+\.\d+\.\d+/m);
  });

  it('runs in the given directory', async () => {
    const dir = tempDir();
    const { stdout } = await opa(opaBin(), ['eval', '--format', 'raw', 'count(["a", "b"])'], dir);
    expect(stdout.trim()).toBe('2');
  });

  it("rejects with OPA's own error text", async () => {
    await expect(opa(opaBin(), ['eval', '--format', 'raw', 'x :='])).rejects.toThrow(/rego_parse_error/);
  });

  it('says how to install OPA when the binary is not there', async () => {
    await expect(opa(join(tempDir(), 'no-opa'), ['version'])).rejects.toThrow(
      /is not installed: run `npm run opa:install` or put opa on PATH/,
    );
  });
});
