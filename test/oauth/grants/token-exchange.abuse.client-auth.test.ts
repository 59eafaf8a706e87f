/**
 * Abuse cases about client authentication: secrets, Basic, and private_key_jwt (RFC 7523).
 * Rows and service: token-exchange.abuse.ts.
 */
import { expect, it } from 'vitest';
import { API, basic, form, SECRETS } from '../../helpers/service.js';
import { ACCESS_TOKEN, nowSeconds, post, subjectClaims, TOKEN_EXCHANGE } from '../../helpers/exchange.js';
import {
  otherKey,
  type Row,
  BASIC_CHALLENGE,
  subjectRow,
  goodSubject,
  workdayExchange,
  clientAssertion,
  pkjExchange,
  abuseSuite,
} from './token-exchange.abuse.js';

const rows: Row[] = [
  // --- client authentication ---
  {
    name: 'wrong client secret (client_secret_basic)',
    send: async (svc) =>
      post(
        svc.tokenEndpoint,
        form({
          grant_type: TOKEN_EXCHANGE,
          subject_token: await goodSubject(svc),
          subject_token_type: ACCESS_TOKEN,
          resource: API.salesforce,
        }),
        { authorization: basic('mcp-salesforce', `${SECRETS.salesforce}x`) },
      ),
    status: 401,
    error: 'invalid_client',
    description: 'client authentication failed',
    wwwAuthenticate: BASIC_CHALLENGE,
  },
  {
    name: 'wrong client secret (client_secret_post)',
    send: (svc) => workdayExchange(svc, { client_secret: `${SECRETS.workday}x` }),
    status: 401,
    error: 'invalid_client',
    description: 'client authentication failed',
    wwwAuthenticate: null,
  },
  {
    name: 'unknown client',
    send: async (svc) =>
      post(
        svc.tokenEndpoint,
        form({
          grant_type: TOKEN_EXCHANGE,
          subject_token: await goodSubject(svc),
          subject_token_type: ACCESS_TOKEN,
          resource: API.salesforce,
        }),
        { authorization: basic('mcp-nobody', SECRETS.salesforce) },
      ),
    status: 401,
    error: 'invalid_client',
    description: 'client authentication failed',
    wwwAuthenticate: BASIC_CHALLENGE,
  },
  {
    name: 'two authentication methods at once (Basic and client_secret)',
    send: subjectRow((s) => subjectClaims(s), { client_secret: SECRETS.salesforce }),
    status: 400,
    error: 'invalid_request',
    description: 'use exactly one client authentication method',
  },
  {
    name: 'no client authentication',
    send: async (svc) =>
      post(
        svc.tokenEndpoint,
        form({
          grant_type: TOKEN_EXCHANGE,
          subject_token: await goodSubject(svc),
          subject_token_type: ACCESS_TOKEN,
          resource: API.salesforce,
        }),
      ),
    status: 401,
    error: 'invalid_client',
    description: 'client authentication is required',
    wwwAuthenticate: null,
  },
  // --- private_key_jwt client authentication (RFC 7523) ---
  {
    name: 'private_key_jwt: replayed jti',
    send: async (svc) => {
      const assertion = await clientAssertion(svc);
      const first = await pkjExchange(svc, assertion);
      expect(first.status, first.text).toBe(200);
      return pkjExchange(svc, assertion);
    },
    status: 401,
    error: 'invalid_client',
    description: 'client_assertion has already been used',
    wwwAuthenticate: null,
  },
  {
    name: 'private_key_jwt: wrong aud',
    send: async (svc) => pkjExchange(svc, await clientAssertion(svc, { aud: 'https://as.other.example' })),
    status: 401,
    error: 'invalid_client',
    description: 'client_assertion aud claim has an unexpected value',
    wwwAuthenticate: null,
  },
  {
    name: 'private_key_jwt: expired assertion',
    send: async (svc) =>
      pkjExchange(svc, await clientAssertion(svc, { iat: nowSeconds() - 600, exp: nowSeconds() - 120 })),
    status: 401,
    error: 'invalid_client',
    description: 'client_assertion has expired',
    wwwAuthenticate: null,
  },
  {
    name: 'private_key_jwt: assertion signed by another key',
    send: async (svc) => pkjExchange(svc, await clientAssertion(svc, { key: otherKey.privateKey })),
    status: 401,
    error: 'invalid_client',
    description: 'client_assertion signature verification failed',
    wwwAuthenticate: null,
  },
];

abuseSuite('token exchange abuse: client authentication (exact wire errors)', rows, (svc) =>
  it('private_key_jwt: a valid assertion authenticates the client', async () => {
    const res = await pkjExchange(svc(), await clientAssertion(svc()));
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ token_type: 'Bearer', issued_token_type: ACCESS_TOKEN });
    // The assertion may also name the issuer as its audience (RFC 7523 §3, point 3).
    const byIssuer = await pkjExchange(svc(), await clientAssertion(svc(), { aud: svc().issuer }));
    expect(byIssuer.status, byIssuer.text).toBe(200);
  }),
);
