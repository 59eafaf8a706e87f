/**
 * buildProtocol over real parts (Postgres, keys, the shipped policy): the core's context names the
 * issuer's endpoints, resolves the configuration file's clients, and registers the grants the token
 * endpoint serves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildParts, type Parts } from './parts.js';

let p: Parts;
beforeAll(async () => {
  p = await buildParts();
}, 60_000);
afterAll(async () => {
  await p?.close();
});

describe('buildProtocol', () => {
  it("names the issuer's endpoints and serves the OAuth grants", () => {
    const { ctx, grants } = p.protocol;
    expect(ctx.issuer).toBe('http://localhost:8080');
    expect(ctx.endpoints.token).toBe('http://localhost:8080/token');
    expect(ctx.endpoints.jwks).toBe('http://localhost:8080/jwks');
    expect([...grants.keys()]).toEqual(
      expect.arrayContaining([
        'authorization_code',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:token-exchange',
      ]),
    );
    expect(p.protocol.dpopAlgorithms).toContain('ES256');
    expect(p.protocol.firstHop.devIdp?.issuer).toBe('http://localhost:8080/dev-idp');
  });

  it("resolves the configuration file's clients from the database, and not unknown ones", async () => {
    expect((await p.protocol.ctx.clients.get('demo-mcp-client'))?.clientId).toBe('demo-mcp-client');
    expect(await p.protocol.ctx.clients.get('nobody')).toBeUndefined();
  });
});
