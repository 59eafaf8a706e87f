/**
 * The error codes the MCP TypeScript SDK's `auth()` acts on, against a real Mandate (the stack of
 * test/helpers/mcp-sdk-client.ts): Mandate must answer `invalid_client` when the registration is gone
 * (the SDK registers again) and `invalid_grant` when the refresh token is dead (the SDK drops only its
 * tokens).
 */
import { describe, expect, it } from 'vitest';
import { DYNAMIC_TTL, MemoryProvider, useSdkStack } from '../helpers/mcp-sdk-client.js';
import { form } from '../helpers/service.js';

describe('MCP TypeScript SDK against Mandate: the error codes it acts on', () => {
  const s = useSdkStack();

  it('invalid_grant on refresh: the SDK drops its tokens only and starts a new authorization', async () => {
    const provider = new MemoryProvider();
    await s.connect(provider);
    const clientId = provider.info?.client_id;
    // RFC 7009 revocation of the refresh token ends its family.
    const revoked = await fetch(`${s.svc.issuer}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ token: String(provider.saved?.refresh_token), client_id: String(clientId) }),
    });
    expect(revoked.status).toBe(200);
    const wire = await fetch(`${s.svc.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({
        grant_type: 'refresh_token',
        refresh_token: String(provider.saved?.refresh_token),
        client_id: String(clientId),
      }),
    });
    expect(wire.status).toBe(400);
    expect(((await wire.json()) as { error: string }).error).toBe('invalid_grant');

    expect(await s.run(provider)).toBe('REDIRECT');
    expect(provider.invalidated).toEqual(['tokens']);
    expect(provider.info?.client_id).toBe(clientId);
  });

  it('invalid_client once an unused dynamic client has expired: the SDK registers again', async () => {
    const provider = new MemoryProvider();
    await s.connect(provider);
    const oldId = provider.info?.client_id;
    const saved = s.clock;
    s.clock += DYNAMIC_TTL + 60;
    try {
      const wire = await fetch(`${s.svc.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form({
          grant_type: 'refresh_token',
          refresh_token: String(provider.saved?.refresh_token),
          client_id: String(oldId),
        }),
      });
      expect(wire.status).toBe(401);
      expect(await wire.json()).toEqual({
        error: 'invalid_client',
        error_description: 'client authentication failed',
      });

      expect(await s.run(provider)).toBe('REDIRECT');
      expect(provider.invalidated).toEqual(['all']);
      expect(provider.info?.client_id).toBeTruthy();
      expect(provider.info?.client_id).not.toBe(oldId);
    } finally {
      s.clock = saved;
    }
  });
});
