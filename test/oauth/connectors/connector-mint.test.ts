/**
 * The connectors on the mint seam (src/oauth/connectors/connector-mint.ts), with connectors that
 * answer as told (the wire is tested in request-token.test.ts and the end-to-end tests): which
 * tokens a connector answers, the obligation it needs, and the wire errors of its failures.
 */
import { describe, expect, it } from 'vitest';
import { connectorMint } from '../../../src/oauth/connectors/connector-mint.js';
import { downstreamFactOf } from '../../../src/oauth/connectors/downstream-error.js';
import {
  DownstreamRefusal,
  DownstreamUnavailable,
  type Connector,
  type ConnectorSettings,
  type DownstreamAsk,
  type ConnectorToken,
} from '../../../src/oauth/connectors/downstream.js';
import type { OAuthError } from '../../../src/oauth/errors.js';
import type { AllowedToken, MintedToken } from '../../../src/oauth/tokens/mint.js';
import { createMemoryLogger } from '../../../src/log.js';

const API = 'https://api.example';
const settings: ConnectorSettings = {
  service: 'crm',
  kind: 'jwt-bearer',
  resource: API,
  audiences: ['crm'],
  token_endpoint: 'https://as.example/token',
  claims: {},
  send_scope: true,
  token_lifetime_seconds: 900,
  assertion_ttl_seconds: 120,
  pass_through: [],
  timeout_ms: 1000,
  refresh_before_seconds: 60,
  retry_after_seconds: 5,
};

function connector(
  answer: (ask: DownstreamAsk) => Promise<ConnectorToken>,
): Connector & { asks: DownstreamAsk[] } {
  const asks: DownstreamAsk[] = [];
  return { config: settings, asks, obtain: (ask) => (asks.push(ask), answer(ask)) };
}

const allowed = (
  over: { aud?: string; grantType?: string; obligations?: Record<string, unknown> } = {},
): AllowedToken => ({
  grantType: over.grantType ?? 'urn:ietf:params:oauth:grant-type:token-exchange',
  input: {
    action: 'token_exchange',
    now: 1000,
    subject: { sub: 'alice', iss: 'https://idp.example', groups: [], claims: { email: 'a@x', secret: 'no' } },
    client: { client_id: 'mcp', trust: 'registered' },
    target: { resource: over.aud ?? API },
    scopes: ['b', 'a'],
    context: {},
  },
  decision: {
    decision_id: 'd1',
    path: 'p',
    allow: true,
    scopes: ['b', 'a'],
    ttl_seconds: 60,
    reasons: [],
    obligations: over.obligations ?? { downstream_subject: 'alice@crm' },
    result: {},
    bundle: { revision: 'r', digest: 'x' },
    metrics: { timer_eval_ns: 0 },
    timestamp: 't',
  },
  token: {
    issuer: 'https://mandate.example',
    sub: 'alice',
    aud: over.aud ?? API,
    clientId: 'mcp',
    scopes: ['b', 'a'],
    ttlSeconds: 60,
    now: 1000,
  },
});

const mandate: MintedToken = {
  token: 'mandate',
  tokenType: 'Bearer',
  jti: 'j',
  sub: 'alice',
  aud: API,
  scope: 'a',
  iat: 1,
  exp: 2,
  recorded: true,
};
const fallback = async () => mandate;
const ok = async (): Promise<ConnectorToken> => ({
  accessToken: 'down',
  tokenType: 'bearer',
  expiresIn: 300,
  passThrough: { instance_url: 'https://i' },
});
const mint = (c: Connector) => connectorMint({ connectors: [c], fallback, log: createMemoryLogger() });
const refusal = async (p: Promise<unknown>): Promise<OAuthError> =>
  p.then(
    () => {
      throw new Error('not refused');
    },
    (e: unknown) => e as OAuthError,
  );

describe('connectorMint', () => {
  it('answers an allowed exchange for the service with the downstream token, not recorded', async () => {
    const c = connector(ok);
    const m = await mint(c)(allowed());
    expect(m).toMatchObject({
      token: 'down',
      tokenType: 'Bearer',
      scope: 'a b',
      iat: 1000,
      exp: 1300,
      recorded: false,
      issuedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
      response: { instance_url: 'https://i' },
      downstream: { service: 'crm', kind: 'jwt-bearer', subject: 'alice@crm', cached: false },
    });
    expect(c.asks[0]).toEqual({
      subject: 'alice@crm',
      user: { iss: 'https://idp.example', sub: 'alice' },
      scopes: ['a', 'b'],
      clientId: 'mcp',
      claims: { email: 'a@x' },
      now: 1000,
    });
    expect(await mint(c)(allowed({ aud: 'crm' }))).toMatchObject({ token: 'down' });
  });

  it('hands other grants and other targets to Mandate’s own mint', async () => {
    const c = connector(ok);
    const m = mint(c);
    expect(await m(allowed({ aud: 'https://other.example' }))).toBe(mandate);
    expect(await m(allowed({ grantType: 'authorization_code' }))).toBe(mandate);
    expect(c.asks).toHaveLength(0);
  });

  it('refuses an allow without downstream_subject, or requiring DPoP, with no downstream call', async () => {
    const c = connector(ok);
    for (const obligations of [{}, { downstream_subject: '' }, { downstream_subject: 7 }]) {
      const e = await refusal(mint(c)(allowed({ obligations })));
      expect([e.error, e.reason]).toEqual(['invalid_target', 'downstream_subject_missing']);
    }
    const dpop = await refusal(
      mint(c)(allowed({ obligations: { downstream_subject: 'x', require_dpop: true } })),
    );
    expect([dpop.error, dpop.reason]).toEqual(['invalid_target', 'downstream_dpop_unsupported']);
    expect(c.asks).toHaveLength(0);
  });

  it('names a downstream refusal, and carries its fact for the audit event', async () => {
    const e = await refusal(
      mint(connector(() => Promise.reject(new DownstreamRefusal('invalid_grant', 'nope', 400))))(allowed()),
    );
    expect(e.error).toBe('invalid_target');
    expect(e.message).toBe("crm's authorization server refused the token (invalid_grant: nope)");
    expect(downstreamFactOf(e)).toEqual({
      service: 'crm',
      kind: 'jwt-bearer',
      subject: 'alice@crm',
      error: 'invalid_grant',
      error_description: 'nope',
    });
  });

  it('answers an outage 503 with the downstream Retry-After, else the connector’s', async () => {
    const said = await refusal(
      mint(connector(() => Promise.reject(new DownstreamUnavailable('downstream_unavailable', 'x', 42))))(
        allowed(),
      ),
    );
    expect([said.error, said.status, said.headers['Retry-After']]).toEqual([
      'temporarily_unavailable',
      503,
      '42',
    ]);
    const silent = await refusal(
      mint(connector(() => Promise.reject(new DownstreamUnavailable('downstream_invalid_response', 'x'))))(
        allowed(),
      ),
    );
    expect([silent.reason, silent.headers['Retry-After']]).toEqual(['downstream_invalid_response', '5']);
  });

  it('tells its observer each outcome, and times only the downstream calls', async () => {
    const seen: string[] = [];
    const calls: number[] = [];
    const observe = {
      request: (service: string, kind: string, outcome: string) => seen.push(`${service}/${kind}/${outcome}`),
      call: (_s: string, _k: string, seconds: number) => calls.push(seconds),
    };
    const observed = (c: Connector) =>
      connectorMint({ connectors: [c], fallback, log: createMemoryLogger(), observe });
    const good = observed(connector(ok));
    await good(allowed());
    await good(allowed()); // held: no call
    await refusal(good(allowed({ obligations: {} }))); // no mapping: refused, no call
    await good(allowed({ aud: 'https://other.example' })); // Mandate's own token: not a connector's
    await refusal(
      observed(connector(() => Promise.reject(new DownstreamRefusal('invalid_grant', 'nope', 400))))(
        allowed(),
      ),
    );
    await refusal(
      observed(connector(() => Promise.reject(new DownstreamUnavailable('downstream_unavailable', 'x'))))(
        allowed(),
      ),
    );
    await refusal(observed(connector(() => Promise.reject(new Error('bug'))))(allowed()));
    expect(seen).toEqual([
      'crm/jwt-bearer/issued',
      'crm/jwt-bearer/cached',
      'crm/jwt-bearer/refused',
      'crm/jwt-bearer/refused',
      'crm/jwt-bearer/unavailable',
      'crm/jwt-bearer/unavailable',
    ]);
    expect(calls).toHaveLength(4);
    for (const s of calls) expect(s).toBeGreaterThanOrEqual(0);
  });
});
