// POST /register (RFC 7591 §3) on the service's app over real HTTP: JSON only (a form, which the
// app otherwise parses for the token endpoint, or any other type is 415 with the RFC's words),
// a 16 KiB body limit checked before parsing, 201 with no-store and Pragma, and the core's
// refusals as OAuth JSON.
import { describe, expect, it } from 'vitest';
import { REGISTRATION_BODY_LIMIT } from '../../../src/http/routes/register.js';
import { useRegistration } from '../../oauth/clients/registration-harness.js';

const NOT_JSON = {
  error: 'invalid_request',
  error_description: 'registration requests are application/json (RFC 7591 section 3.1)',
};

describe('POST /register', () => {
  const h = useRegistration();

  it('registers JSON metadata: 201, no-store, Pragma no-cache, a client_id', async () => {
    const res = await h.register(
      { redirect_uris: ['https://app.example/cb'] },
      'application/json; charset=utf-8',
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const body = (await res.json()) as Record<string, unknown>;
    expect(typeof body.client_id).toBe('string');
    expect(body.redirect_uris).toEqual(['https://app.example/cb']);
  });

  it('refuses a form body with 415, though the app parses forms', async () => {
    const res = await h.register(
      'redirect_uris=https%3A%2F%2Fapp.example%2Fcb',
      'application/x-www-form-urlencoded',
    );
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual(NOT_JSON);
  });

  it('refuses a type the app has no parser for with the same 415', async () => {
    for (const type of ['text/plain', 'application/jsonx', 'multipart/form-data; boundary=x']) {
      const res = await h.register('{}', type);
      expect(res.status, type).toBe(415);
      expect(await res.json()).toEqual(NOT_JSON);
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('refuses a body over 16 KiB with 413 before parsing it', async () => {
    expect(REGISTRATION_BODY_LIMIT).toBe(16 * 1024);
    const big = JSON.stringify({
      redirect_uris: ['https://app.example/cb'],
      client_name: 'x'.repeat(REGISTRATION_BODY_LIMIT),
    });
    const res = await h.register(big);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'request body is too large',
    });
  });

  it('refuses malformed JSON as invalid_request', async () => {
    const res = await h.register('{"redirect_uris": [');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'request body is malformed',
    });
  });

  it("answers the core's refusal of the metadata as OAuth JSON", async () => {
    const res = await h.register({ redirect_uris: ['javascript:alert(1)'] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, string>;
    expect(body.error).toBe('invalid_redirect_uri');
    expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
  });
});
