// Which builtins the pinned OPA compiles into a WebAssembly module itself: found by compiling one
// call of each, so the list holds the pure builtins OPA implements in wasm and never one the
// module imports from the host.
import { beforeAll, describe, expect, it } from 'vitest';
import { nativeBuiltins } from '../../src/policy/native-builtins.js';
import { providedBuiltinNames } from '../../src/policy/builtins/index.js';
import { opaBin } from './helpers.js';

let names: string[];
beforeAll(async () => {
  names = await nativeBuiltins(opaBin());
}, 120_000);

describe('nativeBuiltins', () => {
  it('lists builtins OPA compiles in, sorted', () => {
    for (const n of [
      'count',
      'concat',
      'startswith',
      'object.get',
      'json.marshal',
      'base64.encode',
      'regex.match',
    ])
      expect(names, n).toContain(n);
    expect(names).toEqual([...names].sort());
  });

  it('leaves out what the module imports from the host and what is not a value', () => {
    for (const n of ['strings.count', 'semver.compare', 'time.now_ns', 'http.send', 'sprintf'])
      expect(names, n).not.toContain(n);
    for (const n of ['eq', 'assign', 'print']) expect(names).not.toContain(n);
    expect(names.some((n) => n.startsWith('internal.'))).toBe(false);
    // Mandate's own host builtins are exactly those OPA does not compile in.
    const hostOnly = [...providedBuiltinNames].filter(
      (n) => n.startsWith('strings.') || n.startsWith('semver.'),
    );
    expect(hostOnly.filter((n) => names.includes(n))).toEqual([]);
  });

  it('fails with how to install OPA when the CLI is missing', async () => {
    await expect(nativeBuiltins('/nonexistent/opa')).rejects.toThrow(/is not installed/);
  });
});
