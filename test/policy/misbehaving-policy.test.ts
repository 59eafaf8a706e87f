// The service's invariants against real, deliberately misbehaving policies compiled with opa.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/log.js';
import { createDecisionService } from '../../src/policy/engine.js';
import { reasonCode } from '../../src/policy/reasons.js';
import { NOW, buildBundle, input, tempDir, writePolicy } from './helpers.js';

async function serviceFor(rego: string) {
  const bundlePath = buildBundle(join(tempDir(), 'b.tar.gz'), { src: writePolicy(rego) });
  return createDecisionService({ bundlePath, log: createMemoryLogger() });
}

describe('a misbehaving policy cannot break the invariants', () => {
  it('grants unrequested scopes and a huge ttl: narrowed and capped', async () => {
    const s = await serviceFor(`package mcp.authz
decision := {"allow": true, "scopes": ["crm.read", "admin", "crm.write"], "ttl_seconds": 999999999, "reasons": [], "obligations": {}}
`);
    const d = s.decide(
      input({
        scopes: ['crm.write', 'crm.read'],
        subject: { sub: 'a', iss: 'i', groups: [], claims: {}, scopes: ['crm.read'], exp: NOW + 60 },
      }),
    );
    expect(d).toMatchObject({ allow: true, scopes: ['crm.read'], ttl_seconds: 60 });
    expect(d.result).toMatchObject({ scopes: ['crm.read', 'admin', 'crm.write'] });
    await s.close();
  });

  it('returns a malformed object: denied with policy_error', async () => {
    const s = await serviceFor(`package mcp.authz
decision := {"allow": "yes", "scopes": "crm.read"}
`);
    const d = s.decide(input());
    expect(d.allow).toBe(false);
    expect(d.reasons.map(reasonCode)).toEqual(['policy_error']);
    expect(d.result).toEqual({ allow: 'yes', scopes: 'crm.read' });
    await s.close();
  });

  it('is undefined for an input: denied with policy_error', async () => {
    const s = await serviceFor(`package mcp.authz
decision := {"allow": true} if input.action == "authorize"
`);
    expect(s.decide(input()).reasons.map(reasonCode)).toEqual(['policy_error']);
    await s.close();
  });

  it('errors at run time (conflicting values): denied with policy_error', async () => {
    const s = await serviceFor(`package mcp.authz
decision := {"allow": true, "scopes": input.scopes, "ttl_seconds": 60} if input.now > 0
decision := {"allow": false} if input.now > 0
`);
    const d = s.decide(input());
    expect(d.allow).toBe(false);
    expect(d.reasons.map(reasonCode)).toEqual(['policy_error']);
    expect(JSON.stringify(d.reasons)).toMatch(/evaluation failed/);
    await s.close();
  });

  it('allows with a zero ttl: denied', async () => {
    const s = await serviceFor(`package mcp.authz
decision := {"allow": true, "scopes": input.scopes, "ttl_seconds": 0}
`);
    const d = s.decide(input());
    expect(d.allow).toBe(false);
    expect(d.reasons.map(reasonCode)).toEqual(['ttl_exhausted']);
    await s.close();
  });
});
