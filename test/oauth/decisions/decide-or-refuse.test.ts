/**
 * decideOrRefuse against a real policy compiled with opa: the decision lands on the trace whether
 * or not it allows; a denial is its OAuth error, checked before any obligation; an allow with `require_approval` is
 * interaction_required; an allow with `require_dpop` and no proof is refused with the grant's error.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../src/log.js';
import type { OAuthContext } from '../../../src/oauth/context.js';
import { decideOrRefuse } from '../../../src/oauth/decisions/decide-or-refuse.js';
import { OAuthError } from '../../../src/oauth/errors.js';
import type { Trace } from '../../../src/oauth/token-request.js';
import type { DecisionInput } from '../../../src/policy/contract.js';
import { createDecisionService, type PolicyDecisionService } from '../../../src/policy/engine.js';
import { buildBundle, input, tempDir, writePolicy } from '../../policy/helpers.js';

// The scope asked for picks the answer.
const POLICY = `package mcp.authz

allow(obligations) := {"allow": true, "scopes": input.scopes, "ttl_seconds": 120, "reasons": [],
  "obligations": obligations}

decision := allow({}) if input.scopes == ["plain"]

decision := allow({"require_dpop": true}) if input.scopes == ["bound"]

decision := allow({"require_approval": {"binding_message": "alice writes to the CRM", "ttl_seconds": 60}}) if {
  input.scopes == ["approve"]
}

decision := {"allow": false, "reasons": [{"code": "scope_not_allowed", "message": "not this scope"}]} if {
  input.scopes == ["denied"]
}

decision := {"allow": false, "reasons": [{"code": "scope_not_allowed", "message": "not this scope"}],
  "obligations": {"require_dpop": true}} if input.scopes == ["denied-bound"]
`;

let decisions: PolicyDecisionService;
beforeAll(async () => {
  const bundlePath = await buildBundle(join(tempDir(), 'decide.tar.gz'), {
    src: writePolicy(POLICY),
    revision: 'r-decide',
  });
  decisions = await createDecisionService({ bundlePath, log: createMemoryLogger() });
}, 60_000);
afterAll(async () => decisions?.close());

const ctx = () => ({ decisions }) as unknown as OAuthContext;
const ask = (scope: string, context: DecisionInput['context'] = {}): DecisionInput =>
  input({ scopes: [scope], context });

function refusal(trace: Trace, asked: DecisionInput, dpopError?: 'invalid_grant') {
  try {
    decideOrRefuse(ctx(), trace, asked, dpopError);
  } catch (err) {
    expect(err).toBeInstanceOf(OAuthError);
    const e = err as OAuthError;
    return { ...e.toJSON(), status: e.status, reason: e.reason };
  }
  throw new Error('decideOrRefuse allowed it');
}

describe('decideOrRefuse', () => {
  it('returns an allow and records it, with its input, on the trace', () => {
    const trace: Trace = {};
    const asked = ask('plain');
    const d = decideOrRefuse(ctx(), trace, asked);
    expect(d).toMatchObject({ allow: true, scopes: ['plain'], ttl_seconds: 120, reasons: [] });
    expect(d.bundle.revision).toBe('r-decide');
    expect(trace).toEqual({ decision: { decision: d, input: asked } });
  });

  it('refuses a denial with its OAuth error, the decision still on the trace', () => {
    const trace: Trace = {};
    expect(refusal(trace, ask('denied'))).toEqual({
      error: 'invalid_scope',
      error_description: 'not this scope',
      status: 400,
      reason: 'policy:scope_not_allowed',
    });
    expect(trace.decision?.decision).toMatchObject({ allow: false, scopes: [] });
    expect(trace.decision?.input.scopes).toEqual(['denied']);
  });

  it('checks a denial first: one that also says require_dpop is refused as the denial, not dpop_required', () => {
    expect(refusal({}, ask('denied-bound'))).toEqual({
      error: 'invalid_scope',
      error_description: 'not this scope',
      status: 400,
      reason: 'policy:scope_not_allowed',
    });
  });

  it('answers an allow that needs a person interaction_required, naming the binding message', () => {
    const trace: Trace = {};
    expect(refusal(trace, ask('approve', { dpop_jkt: 'j'.repeat(43) }))).toEqual({
      error: 'interaction_required',
      error_description:
        'a person must approve this request (alice writes to the CRM): ' +
        'send it to the backchannel authentication endpoint',
      status: 400,
      reason: 'approval_required',
    });
    expect(trace.decision?.decision.obligations.require_approval).toEqual({
      binding_message: 'alice writes to the CRM',
      ttl_seconds: 60,
    });
  });

  it('refuses an allow that must be DPoP-bound when no proof came: invalid_request, or the given error', () => {
    const trace: Trace = {};
    const refused = {
      error_description: 'this target requires a DPoP-bound token: send a DPoP proof',
      status: 400,
      reason: 'dpop_required',
    };
    expect(refusal(trace, ask('bound'))).toEqual({ error: 'invalid_request', ...refused });
    expect(trace.decision?.decision.obligations).toEqual({ require_dpop: true });
    expect(refusal({}, ask('bound'), 'invalid_grant')).toEqual({ error: 'invalid_grant', ...refused });
  });

  it('returns the same allow when the request proved a DPoP key', () => {
    const d = decideOrRefuse(ctx(), {}, ask('bound', { dpop_jkt: 'j'.repeat(43) }), 'invalid_grant');
    expect(d).toMatchObject({ allow: true, scopes: ['bound'], obligations: { require_dpop: true } });
  });
});
