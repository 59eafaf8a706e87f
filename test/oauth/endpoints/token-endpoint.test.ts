/**
 * The token endpoint's answer when the audit port refuses an issuance: a record holding a value no
 * column can hold (store/tokens.ts checks it before it joins a group commit) is refused as
 * `invalid_grant` for what the grant presented, and the refusal is recorded; only a store that is
 * really unavailable is 503 (issue 10 §2). And what a refusal before client authentication records
 * of the client (issue 17 §3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditPort } from '../../../src/audit/port.js';
import { IssuedRecordError } from '../../../src/store/tokens.js';
import { post, salesforceExchange, subjectClaims, TOKEN_EXCHANGE } from '../../helpers/exchange.js';
import { basic, form, startTestService, type TestService } from '../../helpers/service.js';
import { grantRequest } from '../../../src/oauth/endpoints/token-endpoint.js';
import type { FirstHop } from '../../../src/oauth/first-hop.js';
import type { Grant } from '../../../src/oauth/grants/grant.js';
import { grantRegistry } from '../../../src/oauth/grants/index.js';
import { Params } from '../../../src/oauth/params.js';
import type { TokenRequest } from '../../../src/oauth/token-request.js';

describe('token endpoint: the record of a refusal', () => {
  let svc: TestService;
  const committed: AuditEntry[] = [];
  const audit: AuditPort = {
    async commit(entry) {
      if (entry.issued !== undefined) throw new IssuedRecordError('sub');
      committed.push(entry);
    },
    async close() {},
  };
  beforeAll(async () => {
    svc = await startTestService({ audit });
  });
  afterAll(async () => svc?.close());

  it('of an issuance the audit log cannot hold: invalid_grant, not 503, and recorded', async () => {
    const res = await salesforceExchange(svc, {
      subject_token: await svc.idp.mint(subjectClaims(svc), { typ: 'at+jwt' }),
      scope: 'crm.read',
    });
    expect({ status: res.status, body: res.body }).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'the token would carry a sub no record can hold' },
    });
    expect(committed.at(-1)?.tokens).toMatchObject([
      { kind: 'refused', error: 'invalid_grant', reason: 'unrecordable_issuance' },
    ]);
  });

  // Issue 17 §3: a refusal before any client authenticated names no client (not "unauthenticated"):
  // only the id the request claimed, apart, so that no SIEM takes it for an authenticated party.
  it.each([
    ['a wrong secret (Basic)', { authorization: basic('mcp-salesforce', 'wrong') }, {}, 'mcp-salesforce'],
    ['an unknown client_id', {}, { client_id: 'no-such-client' }, 'no-such-client'],
    ['no client at all', {}, {}, undefined],
  ] as const)('records %s without a client_id, with the claimed id', async (_, headers, params, claimed) => {
    const res = await post(svc.tokenEndpoint, form({ grant_type: TOKEN_EXCHANGE, ...params }), headers);
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 401, error: 'invalid_client' });
    const [fact] = committed.at(-1)!.tokens;
    expect(fact).toMatchObject({ kind: 'refused', error: 'invalid_client' });
    expect(fact).not.toHaveProperty('client_id');
    expect(fact!.claimed_client_id).toBe(claimed);
  });

  it('records a refusal by policy with the agent the decision was about (issue 17 §3)', async () => {
    const res = await salesforceExchange(svc, {
      subject_token: await svc.idp.mint(subjectClaims(svc), { typ: 'at+jwt' }),
      scope: 'crm.admin',
    });
    expect(res.status, res.text).toBe(400);
    const entry = committed.at(-1)!;
    expect(entry.decision?.decision.allow).toBe(false);
    expect(entry.tokens[0]).toMatchObject({ kind: 'refused', client_id: 'mcp-salesforce' });
    expect(entry.tokens[0]!.act).toEqual(entry.decision!.input.actor);
    expect(entry.tokens[0]!.act).toMatchObject({ sub: 'mcp-salesforce', act: { sub: 'claude-desktop' } });
  });
});

describe('token endpoint: what a grant is handed (its declared parameters, RFC 6749 §3.2)', () => {
  const grant: Grant = {
    grantType: 'urn:example:grant',
    parameters: new Set(['assertion', 'scope', 'resource']),
    repeatable: new Set(['resource']),
    requiresClientAuthentication: true,
    handle: () => Promise.reject(new Error('not called')),
  };
  const request = (body: string): TokenRequest => ({
    params: Params.parse(body),
    authorization: undefined,
    dpop: [],
    method: 'POST',
    url: 'https://as.example/token',
    ip: undefined,
  });

  it('hands the grant its declared parameters and grant_type, and nothing else', () => {
    const p = grantRequest(
      request('grant_type=urn:example:grant&assertion=a&client_secret=s&subject_token=t&extra=x'),
      grant,
    ).params;
    expect([p.get('grant_type'), p.get('assertion')]).toEqual(['urn:example:grant', 'a']);
    for (const undeclared of ['client_secret', 'subject_token', 'extra'])
      expect(p.has(undeclared), undeclared).toBe(false);
  });

  it('refuses a declared parameter sent twice, unless the grant lets it repeat', () => {
    expect(() => grantRequest(request('assertion=a&scope=x&scope=y'), grant)).toThrow(
      expect.objectContaining({
        error: 'invalid_request',
        message: "parameter 'scope' must not be repeated",
      }),
    );
    const p = grantRequest(request('assertion=a&resource=https://r1&resource=https://r2'), grant).params;
    expect(p.all('resource')).toEqual(['https://r1', 'https://r2']);
  });

  it('ignores an undeclared parameter even when repeated', () => {
    expect(grantRequest(request('assertion=a&extra=1&extra=2'), grant).params.has('extra')).toBe(false);
  });

  it('every grant of the registry declares what it reads, and only parameters it declares may repeat', () => {
    for (const g of grantRegistry({ firstHop: {} as FirstHop }).values()) {
      expect(g.parameters.size, g.grantType).toBeGreaterThan(0);
      for (const r of g.repeatable ?? []) expect(g.parameters.has(r), `${g.grantType} ${r}`).toBe(true);
    }
  });
});
