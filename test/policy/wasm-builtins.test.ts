// A policy needing a builtin nobody provides is refused when it is loaded, naming the builtin and
// the rule, instead of failing every decision that reaches the call.
import { copyFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/log.js';
import { createDecisionService } from '../../src/policy/engine.js';
import { policyReadiness } from '../../src/policy/status.js';
import { findCalls, unsupportedBuiltins } from '../../src/policy/wasm-builtins.js';
import { buildBundle, input, tempDir, writePolicy } from './helpers.js';

const httpPolicy = `package mcp.authz

import rego.v1

# Looks the user up in an HR system: not possible in Mandate.
decision := {"allow": allowed, "scopes": input.scopes, "ttl_seconds": 60}

allowed if {
	resp := http.send({"method": "GET", "url": "https://hr.example/users"})
	resp.status_code == 200
}
`;

describe('unsupported builtins', () => {
  it('refuses the bundle at start-up, naming the builtin, the rule and the place', async () => {
    const path = await buildBundle(join(tempDir(), 'b.tar.gz'), { src: writePolicy(httpPolicy) });
    await expect(createDecisionService({ bundlePath: path, log: createMemoryLogger() })).rejects.toThrow(
      /the policy needs builtin http\.send \(called in rule mcp\.authz\.allowed at mcp\/authz\/policy\.rego:8 of the bundle\): a decision never waits on the network/,
    );
  });

  it('refuses it at reload; the last good bundle serves and /readyz says why', async () => {
    const dir = tempDir();
    const live = join(dir, 'bundle.tar.gz');
    await buildBundle(live, { revision: 'good-1' });
    const bad = await buildBundle(join(dir, 'bad.tar.gz'), {
      src: writePolicy(httpPolicy),
      revision: 'bad-2',
    });
    const log = createMemoryLogger();
    const s = await createDecisionService({ bundlePath: live, log });
    copyFileSync(bad, join(dir, 'next.tar.gz'));
    renameSync(join(dir, 'next.tar.gz'), live);
    expect(await s.reload()).toBe(false);
    expect(s.decide(input()).allow).toBe(true);
    const status = s.status();
    expect(status).toMatchObject({
      source: live,
      revision: 'good-1',
      last_reload: {
        outcome: 'refused',
        revision: 'bad-2',
        reason: expect.stringContaining('builtin http.send'),
      },
    });
    const ready = policyReadiness(s.ready(), status);
    expect(ready.ok).toBe(true);
    expect(ready.detail).toMatch(
      /^revision "good-1" \(sha256 [0-9a-f]{12}\) from .*; the bundle offered at .* \(sha256 [0-9a-f]{12}, revision "bad-2"\) was refused: the policy needs builtin http\.send .*; the last good bundle stays in force$/,
    );
    expect(log.lines.find((l) => l.msg.startsWith('policy bundle refused'))?.fields).toMatchObject({
      refused_revision: 'bad-2',
      revision: 'good-1',
      reason: expect.stringContaining('http.send'),
    });
    await s.close();
  });

  it('accepts a policy using the time builtins Mandate provides', async () => {
    const path = await buildBundle(join(tempDir(), 'b.tar.gz'), {
      src: writePolicy(`package mcp.authz
decision := {"allow": time.weekday(time.now_ns()) == "Wednesday", "scopes": input.scopes, "ttl_seconds": 60}
`),
    });
    const s = await createDecisionService({ bundlePath: path, log: createMemoryLogger() });
    // 1764140000 is Wednesday 2025-11-26 06:53:20 UTC.
    expect(s.decide(input()).allow).toBe(true);
    expect(s.decide(input({ now: 1764140000 + 86400 })).allow).toBe(false);
    await s.close();
  });
});

describe('findCalls', () => {
  it('finds calls in code, not in strings or comments, with the enclosing rule', () => {
    const files = new Map([
      [
        'p/a.rego',
        Buffer.from(`package p.q

# http.send( in a comment
x := "http.send(" if true

default y := false

y if {
	r := http.send({})
	r.ok
}

f(z) := http.send(z)
`),
      ],
      ['p/data.json', Buffer.from('{"http.send(": 1}')],
    ]);
    expect(findCalls(files, 'http.send')).toEqual([
      { rule: 'p.q.y', file: 'p/a.rego', line: 9 },
      { rule: 'p.q.f', file: 'p/a.rego', line: 13 },
    ]);
    expect(findCalls(files, 'send')).toEqual([]);
  });

  it('names every missing builtin, and none when all are provided', () => {
    expect(unsupportedBuiltins(['time.clock', 'sprintf', 'trace'], new Map())).toBeUndefined();
    expect(unsupportedBuiltins(['io.jwt.decode', 'uuid.parse'], new Map())).toBe(
      'the policy needs builtin io.jwt.decode: tokens are verified by Mandate before the policy runs; read input.subject and input.actor; builtin uuid.parse; neither opa-wasm nor Mandate provides them (rego/README.md "Builtins" lists what a policy may use)',
    );
  });
});
