/**
 * Refusals of the authorization endpoint with their exact wire errors: redirected with error, state
 * and iss, or shown as a page when the redirect target is not trusted (RFC 6749 §4.1.2.1).
 */
import { describe, expect, it } from 'vitest';
import { authorizeUrl, Browser, drive, pkce } from '../../helpers/browser.js';
import { authorizeParams, newCode, REDIRECT, useFirstHop } from '../../helpers/first-hop-session.js';

const now = () => Math.floor(Date.now() / 1000);

describe('authorization endpoint refusals', () => {
  const fh = useFirstHop(now);

  const authorizeCases: {
    name: string;
    params: Record<string, string | undefined>;
    error: string;
    description: string;
  }[] = [
    {
      name: 'missing PKCE',
      params: { code_challenge: undefined, code_challenge_method: undefined },
      error: 'invalid_request',
      description: 'code_challenge is required (PKCE)',
    },
    {
      name: 'plain PKCE',
      params: { code_challenge_method: 'plain', code_challenge: 'a'.repeat(43) },
      error: 'invalid_request',
      description: "code_challenge_method must be S256 ('plain' is not allowed)",
    },
    {
      name: 'unknown resource',
      params: { resource: 'https://mcp.unknown.example/mcp' },
      error: 'invalid_target',
      description: 'resource is not a protected resource served by this authorization server',
    },
    {
      name: 'missing resource',
      params: { resource: undefined },
      error: 'invalid_target',
      description: "missing required parameter 'resource' (RFC 8707): name the MCP server",
    },
    {
      name: 'implicit flow',
      params: { response_type: 'token' },
      error: 'unsupported_response_type',
      description: "only response_type 'code' is supported (OAuth 2.1)",
    },
  ];
  for (const c of authorizeCases)
    it(`authorize: ${c.name} → redirect with ${c.error}`, async () => {
      const res = await fh.browser.fetch(authorizeUrl(fh.svc.issuer, authorizeParams(pkce(), c.params)));
      expect(res.status).toBe(302);
      const loc = new URL(res.headers.get('location')!);
      expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT);
      expect(Object.fromEntries(loc.searchParams)).toEqual({
        error: c.error,
        error_description: c.description,
        state: 'xyz',
        iss: fh.svc.issuer,
      });
    });

  it('authorize: a redirect_uri that is not registered is shown as a page, never redirected', async () => {
    for (const uri of [
      'https://evil.example/cb',
      'http://127.0.0.1:8080/other',
      'https://app.example/cb/',
      // Issue 10 §7: a loopback URI matches on any port, and on nothing else.
      'http://evil.example@127.0.0.1:4000/callback',
      'http://127.0.0.1:4000/x/../callback',
    ]) {
      const res = await fh.browser.fetch(
        authorizeUrl(fh.svc.issuer, authorizeParams(pkce(), { redirect_uri: uri })),
      );
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toContain('redirect_uri is not registered for this client');
    }
  });

  it('authorize: an unknown client is shown as a page', async () => {
    const res = await fh.browser.fetch(
      authorizeUrl(fh.svc.issuer, authorizeParams(pkce(), { client_id: 'nobody' })),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('unknown client_id');
  });

  it('authorize: loopback redirect URIs match on any port (RFC 8252 §7.3)', async () => {
    for (const port of [1024, 50000, 65535]) {
      const uri = `http://127.0.0.1:${port}/callback`;
      const g = await newCode(fh.browser, fh.svc.issuer, { redirect_uri: uri }, {}, uri);
      expect(g.code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
  });

  it('authorize: policy refuses bob (hr) the Salesforce MCP server with access_denied and its reason', async () => {
    const b = new Browser();
    const { location } = await drive(b, authorizeUrl(fh.svc.issuer, authorizeParams(pkce())), REDIRECT, {
      user: 'bob',
    });
    expect(Object.fromEntries(location.searchParams)).toEqual({
      error: 'access_denied',
      error_description:
        "none of the requested scopes may be granted; scope crm.write: not allowed for the subject's groups; scope crm.read: not allowed for the subject's groups",
      state: 'xyz',
      iss: fh.svc.issuer,
    });
  });
});
