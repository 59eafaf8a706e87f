// RFC 9396 authorization_details on a token exchange: parsing, and the shipped policy's rule that a
// Workday time-off request of more than 5 days waits for the user's approval (ADR 0014), decided on
// the tool call the exchange names, over real HTTP against a real Mandate with the shipped bundle.
import { randomUUID } from 'node:crypto';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuthorizationDetails } from '../../../src/oauth/grants/authorization-details.js';
import { ACCESS_TOKEN, post, subjectClaims, TOKEN_EXCHANGE } from '../../helpers/exchange.js';
import { API, form, MCP, SECRETS, startTestService, type TestService } from '../../helpers/service.js';

describe('parseAuthorizationDetails', () => {
  it('reads one mcp_tool_call detail', () => {
    expect(parseAuthorizationDetails(undefined)).toBeUndefined();
    expect(
      parseAuthorizationDetails(
        '[{"type":"mcp_tool_call","tool":"request_time_off","arguments":{"days":8}}]',
      ),
    ).toEqual({ tool: 'request_time_off', arguments: { days: 8 } });
    expect(parseAuthorizationDetails('[{"type":"mcp_tool_call","tool":"whoami"}]')).toEqual({
      tool: 'whoami',
    });
  });

  it.each([
    ['not JSON', '{', 'must be a JSON array'],
    ['an object', '{"type":"mcp_tool_call"}', 'must be a JSON array of one object'],
    [
      'two details',
      '[{"type":"mcp_tool_call","tool":"a"},{"type":"mcp_tool_call","tool":"b"}]',
      'must be a JSON array of one object',
    ],
    ['another type', '[{"type":"payment_initiation","tool":"a"}]', 'must be of type mcp_tool_call'],
    [
      'an unknown member',
      '[{"type":"mcp_tool_call","tool":"a","locations":["x"]}]',
      'has an unknown member locations',
    ],
    ['no tool', '[{"type":"mcp_tool_call"}]', 'tool must be a tool name'],
    [
      'arguments as a list',
      '[{"type":"mcp_tool_call","tool":"a","arguments":[1]}]',
      'arguments must be an object',
    ],
    [
      'a __proto__ detail',
      '[{"__proto__":{"type":"mcp_tool_call"},"tool":"a"}]',
      'must be of type mcp_tool_call',
    ],
    [
      'a NUL in an argument',
      '[{"type":"mcp_tool_call","tool":"a","arguments":{"r":"a\\u0000b"}}]',
      'arguments holds a NUL character or a lone surrogate',
    ],
    [
      'a lone surrogate in an argument',
      '[{"type":"mcp_tool_call","tool":"a","arguments":{"r":["\\ud800"]}}]',
      'arguments holds a NUL character or a lone surrogate',
    ],
    [
      'a NUL in an argument name',
      '[{"type":"mcp_tool_call","tool":"a","arguments":{"d\\u0000ays":8}}]',
      'arguments has a member name with a NUL character or a lone surrogate',
    ],
    [
      // JSON.parse makes 1e400 Infinity, which a policy would see as null (and null < 5 in Rego)
      'a number out of range',
      '[{"type":"mcp_tool_call","tool":"a","arguments":{"days":1e400}}]',
      'arguments holds a number out of range',
    ],
    [
      'arguments nested too deep',
      `[{"type":"mcp_tool_call","tool":"a","arguments":{"r":${'['.repeat(40)}${']'.repeat(40)}}}]`,
      'arguments nests deeper than 32 levels',
    ],
  ])('refuses %s: invalid_authorization_details', (_, raw, why) => {
    expect(() => parseAuthorizationDetails(raw)).toThrow(
      expect.objectContaining({
        error: 'invalid_authorization_details',
        message: `authorization_details ${why}`,
      }),
    );
  });
});

describe('the shipped policy: long time off waits for the user', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  }, 120_000);
  afterAll(async () => svc?.close());

  async function exchange(days: unknown) {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const proof = await new SignJWT({
      htm: 'POST',
      htu: svc.tokenEndpoint,
      jti: randomUUID(),
      iat: Math.floor(Date.now() / 1000),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(publicKey) })
      .sign(privateKey);
    const subject = await svc.idp.mint(
      subjectClaims(svc, { aud: MCP.workday, groups: ['hr'], scope: 'hr.timeoff.write' }),
      { typ: 'at+jwt' },
    );
    return post(
      svc.tokenEndpoint,
      form({
        grant_type: TOKEN_EXCHANGE,
        subject_token: subject,
        subject_token_type: ACCESS_TOKEN,
        resource: API.workday,
        scope: 'hr.timeoff.write',
        authorization_details: JSON.stringify([
          { type: 'mcp_tool_call', tool: 'request_time_off', arguments: { days } },
        ]),
        client_id: 'mcp-workday',
        client_secret: SECRETS.workday,
      }),
      { dpop: proof },
    );
  }

  it('8 days: interaction_required, nothing issued', async () => {
    const res = await exchange(8);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'interaction_required',
      error_description:
        'a person must approve this request (Time off of more than 5 days needs your approval): send it to the backchannel authentication endpoint',
    });
  });

  it('3 days: issued, the token naming the tool call it is for (RFC 9396 §9.1)', async () => {
    const res = await exchange(3);
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token as string).authorization_details).toEqual([
      { type: 'mcp_tool_call', tool: 'request_time_off', arguments: { days: 3 } },
    ]);
  });

  it('an argument that is not a number waits for the user too (fail closed)', async () => {
    const res = await exchange('3');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('interaction_required');
  });

  it('a malformed detail is refused before any token is looked at', async () => {
    const res = await post(
      svc.tokenEndpoint,
      form({
        grant_type: TOKEN_EXCHANGE,
        subject_token: 'x',
        subject_token_type: ACCESS_TOKEN,
        resource: API.workday,
        authorization_details: '[{"type":"other"}]',
        client_id: 'mcp-workday',
        client_secret: SECRETS.workday,
      }),
    );
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_authorization_details',
      error_description: 'authorization_details must be of type mcp_tool_call',
    });
  });
});
