// The service's invariants against real, deliberately misbehaving policies compiled with opa.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/log.js';
import { denialError } from '../../src/oauth/decisions/policy-denial.js';
import { createDecisionService } from '../../src/policy/engine.js';
import { reasonCode } from '../../src/policy/reasons.js';
import { NOW, buildBundle, input, tempDir, writePolicy } from './helpers.js';

async function serviceFor(rego: string, log = createMemoryLogger()) {
  const bundlePath = await buildBundle(join(tempDir(), 'b.tar.gz'), {
    src: writePolicy(rego),
    revision: 'r-1',
  });
  return createDecisionService({ bundlePath, log });
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

  it('returns a malformed object: denied with policy_result_invalid', async () => {
    const s = await serviceFor(`package mcp.authz
decision := {"allow": "yes", "scopes": "crm.read"}
`);
    const d = s.decide(input());
    expect(d.allow).toBe(false);
    expect(d.reasons.map(reasonCode)).toEqual(['policy_result_invalid']);
    expect(d.result).toEqual({ allow: 'yes', scopes: 'crm.read' });
    await s.close();
  });

  it('allows without saying what it grants ({"allow": true}): outside the contract, not invalid_scope', async () => {
    const log = createMemoryLogger();
    const s = await serviceFor(
      `package mcp.authz
decision := {"allow": true}
`,
      log,
    );
    const d = s.decide(input());
    expect(d.allow).toBe(false);
    expect(d.reasons).toEqual([
      {
        code: 'policy_result_invalid',
        message: expect.stringMatching(/^the policy result is outside the decision contract: scopes: /),
      },
    ]);
    const logged = log.lines.find((l) => l.msg === 'policy result outside the decision contract');
    expect(logged?.level).toBe('error');
    expect(logged?.fields).toMatchObject({ decision_id: d.decision_id, revision: 'r-1' });
    // The client is told no more than that the policy failed.
    const err = denialError(d);
    expect([err.error, err.description]).toEqual(['invalid_grant', 'policy evaluation failed']);
    await s.close();
  });

  it('a deny may be just {"allow": false}', async () => {
    const s = await serviceFor(`package mcp.authz
decision := {"allow": false}
`);
    const d = s.decide(input());
    expect(d).toMatchObject({ allow: false, reasons: [{ code: 'policy_denied' }] });
    await s.close();
  });

  it('is undefined for an input: denied with policy_error', async () => {
    const s = await serviceFor(`package mcp.authz
decision := {"allow": true} if input.action == "authorize"
`);
    expect(s.decide(input()).reasons.map(reasonCode)).toEqual(['policy_error']);
    await s.close();
  });

  it('errors at run time (conflicting values): denied with policy_error, the real cause logged', async () => {
    const log = createMemoryLogger();
    const s = await serviceFor(
      `package mcp.authz
decision := {"allow": true, "scopes": input.scopes, "ttl_seconds": 60} if input.now > 0
decision := {"allow": false} if input.now > 0
`,
      log,
    );
    const d = s.decide(input());
    expect(d.allow).toBe(false);
    expect(d.reasons).toEqual([
      { code: 'policy_error', message: expect.stringMatching(/^evaluation failed: /) },
    ]);
    const cause = (d.reasons[0] as { message: string }).message;
    expect(cause).not.toMatch(/object Object/);
    expect(cause).toMatch(/conflict/);
    const logged = log.lines.find((l) => l.msg === 'policy evaluation failed');
    expect(logged).toEqual({
      level: 'error',
      msg: 'policy evaluation failed',
      fields: {
        decision_id: d.decision_id,
        path: 'mcp/authz/decision',
        revision: 'r-1',
        digest: s.bundle().digest,
        cause,
      },
    });
    const err = denialError(d);
    expect([err.error, err.description]).toEqual(['invalid_grant', 'policy evaluation failed']);
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
