// The require_approval obligation (ADR 0014) against real policies compiled with opa.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/log.js';
import { decideOrRefuse } from '../../src/oauth/decisions/decide-or-refuse.js';
import type { OAuthContext } from '../../src/oauth/context.js';
import type { Trace } from '../../src/oauth/token-request.js';
import { approvalObligationSchema, mayApprove } from '../../src/policy/approval.js';
import { createDecisionService } from '../../src/policy/engine.js';
import { reasonCode } from '../../src/policy/reasons.js';
import { buildBundle, input, tempDir, writePolicy } from './helpers.js';

async function serviceFor(obligation: string) {
  const bundlePath = await buildBundle(join(tempDir(), 'b.tar.gz'), {
    src: writePolicy(`package mcp.authz
decision := {"allow": true, "scopes": input.scopes, "ttl_seconds": 300, "reasons": [],
  "obligations": {"require_approval": ${obligation}}}
`),
    revision: 'r-approval',
  });
  return createDecisionService({ bundlePath, log: createMemoryLogger() });
}

const valid =
  '{"binding_message": "Raise of 9000 EUR for carol", "approvers": ["group:hr-managers"], "ttl_seconds": 900}';

describe('require_approval', () => {
  it('a token exchange carries the obligation with its allow', async () => {
    const s = await serviceFor(valid);
    const d = s.decide(input());
    expect(d).toMatchObject({ allow: true, scopes: ['crm.read'], ttl_seconds: 300 });
    expect(d.obligations.require_approval).toEqual({
      binding_message: 'Raise of 9000 EUR for carol',
      approvers: ['group:hr-managers'],
      ttl_seconds: 900,
    });
    await s.close();
  });

  it.each([
    ['no binding_message', '{"ttl_seconds": 900}'],
    ['an empty binding_message', '{"binding_message": "", "ttl_seconds": 900}'],
    [
      'a line break in binding_message',
      '{"binding_message": "ok\\nApproved by security", "ttl_seconds": 900}',
    ],
    ['a ttl below 10 s', '{"binding_message": "m", "ttl_seconds": 5}'],
    ['a ttl above a day', '{"binding_message": "m", "ttl_seconds": 86401}'],
    ['an empty approvers list', '{"binding_message": "m", "approvers": [], "ttl_seconds": 60}'],
    ['an unknown member', '{"binding_message": "m", "ttl_seconds": 60, "auto_approve": true}'],
    ['a boolean', 'true'],
  ])('an obligation with %s is outside the contract: denied, fail closed', async (_, obligation) => {
    const s = await serviceFor(obligation);
    const d = s.decide(input());
    expect(d.allow).toBe(false);
    expect(d.reasons.map(reasonCode)).toEqual(['policy_result_invalid']);
    await s.close();
  });

  it.each(['authorize', 'refresh', 'jwt_bearer', 'tool_call', 'id_jag'] as const)(
    'an allow for %s, which cannot wait for a person, is a deny (approval_unsupported)',
    async (action) => {
      const s = await serviceFor(valid);
      const d = s.decide(input({ action }));
      expect(d).toMatchObject({ allow: false, scopes: [], ttl_seconds: 0 });
      expect(d.reasons).toContainEqual({
        code: 'approval_unsupported',
        message: `the policy requires an approval, which action ${action} cannot wait for`,
      });
      await s.close();
    },
  );

  it('the token endpoint issues nothing for it: interaction_required, the decision on the trace', async () => {
    const s = await serviceFor(valid);
    const trace: Trace = {};
    const ctx = { decisions: s } as unknown as OAuthContext;
    expect(() => decideOrRefuse(ctx, trace, input())).toThrow(
      expect.objectContaining({
        error: 'interaction_required',
        status: 400,
        reason: 'approval_required',
        message: expect.stringContaining('(Raise of 9000 EUR for carol)'),
      }),
    );
    expect(trace.decision?.decision.obligations.require_approval).toBeDefined();
    await s.close();
  });
});

describe('mayApprove', () => {
  const alice = { sub: 'alice', groups: ['sales'] };
  const bob = { sub: 'bob', groups: ['hr-managers'] };
  it('without approvers, only the subject approves', () => {
    expect(mayApprove({}, 'alice', alice)).toBe(true);
    expect(mayApprove({}, 'alice', bob)).toBe(false);
  });
  it('approvers name users by sub and groups as group:<name>', () => {
    expect(mayApprove({ approvers: ['group:hr-managers'] }, 'alice', bob)).toBe(true);
    expect(mayApprove({ approvers: ['group:hr-managers'] }, 'alice', alice)).toBe(false);
    expect(mayApprove({ approvers: ['alice'] }, 'alice', alice)).toBe(true);
    // A user whose sub is literally "group:hr-managers" is not a member of the group.
    expect(
      mayApprove({ approvers: ['group:hr-managers'] }, 'x', { sub: 'group:hr-managers', groups: [] }),
    ).toBe(false);
  });
  it('the schema strips nothing: it refuses what it does not know', () => {
    expect(approvalObligationSchema.safeParse({ binding_message: 'm', ttl_seconds: 60, x: 1 }).success).toBe(
      false,
    );
  });
});
