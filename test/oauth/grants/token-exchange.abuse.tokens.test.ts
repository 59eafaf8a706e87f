/**
 * Abuse cases about what is exchanged: subject token validity (the skew is 60 s; every offset is beyond it), policy
 * refusals, token types.
 * Rows and service: token-exchange.abuse.ts.
 */
import { SignJWT } from 'jose';
import { API, MCP } from '../../helpers/service.js';
import { ACCESS_TOKEN, nowSeconds, salesforceExchange, subjectClaims } from '../../helpers/exchange.js';
import {
  otherKey,
  type Row,
  subjectRow,
  workdayExchange,
  mandateKey,
  mandatePublicPem,
  hs256,
  nestedAct,
  abuseSuite,
} from './token-exchange.abuse.js';

const rows: Row[] = [
  // --- subject token validity (skew is 60 s; every offset below is beyond it) ---
  {
    name: 'expired subject token',
    send: subjectRow((s) => subjectClaims(s, { iat: nowSeconds() - 900, exp: nowSeconds() - 120 })),
    status: 400,
    error: 'invalid_grant',
    description: 'subject_token has expired',
  },
  {
    name: 'not-yet-valid subject token (nbf beyond skew)',
    send: subjectRow((s) => subjectClaims(s, { nbf: nowSeconds() + 120 })),
    status: 400,
    error: 'invalid_grant',
    description: 'subject_token is not yet valid',
  },
  {
    name: 'future-dated subject token (iat beyond skew)',
    send: subjectRow((s) => subjectClaims(s, { iat: nowSeconds() + 120, exp: nowSeconds() + 900 })),
    status: 400,
    error: 'invalid_grant',
    description: 'subject_token is issued in the future',
  },
  {
    name: 'unknown issuer',
    send: subjectRow((s) => subjectClaims(s, { iss: 'https://idp.evil.example' })),
    status: 400,
    error: 'invalid_grant',
    description: 'subject_token is from an issuer that is not trusted',
  },
  {
    name: 'bad signature: another key under the issuer kid',
    send: async (svc) =>
      salesforceExchange(svc, {
        subject_token: await svc.idp.mint(subjectClaims(svc), {
          typ: 'at+jwt',
          kid: 'idp-es256',
          key: otherKey.privateKey,
        }),
        scope: 'crm.read',
      }),
    status: 400,
    error: 'invalid_grant',
    description: 'subject_token signature verification failed',
  },
  {
    name: 'alg none',
    send: async (svc) =>
      salesforceExchange(svc, { subject_token: svc.idp.unsigned(subjectClaims(svc)), scope: 'crm.read' }),
    status: 400,
    error: 'invalid_grant',
    description: 'subject_token is signed with an algorithm that is not allowed',
  },
  {
    name: "HS256 MACed with the IdP's public key (PEM)",
    send: async (svc) =>
      salesforceExchange(svc, {
        subject_token: svc.idp.hs256(subjectClaims(svc), svc.idp.publicPem),
        scope: 'crm.read',
      }),
    status: 400,
    error: 'invalid_grant',
    description: 'subject_token is signed with an algorithm that is not allowed',
  },
  {
    name: "HS256 MACed with Mandate's own JWKS public key, iss = Mandate, typ at+jwt",
    send: async (svc) => {
      const { kid, pem } = await mandatePublicPem(svc);
      const claims = subjectClaims(svc, { iss: svc.issuer, client_id: 'mcp-salesforce' });
      return salesforceExchange(svc, {
        subject_token: hs256({ kid, typ: 'at+jwt' }, claims, pem),
        scope: 'crm.read',
      });
    },
    status: 400,
    error: 'invalid_grant',
    description: 'subject_token is signed with an algorithm that is not allowed',
  },
  {
    name: "HS256 MACed with Mandate's public key through the IdP helper (no typ)",
    send: async (svc) => {
      const { kid, pem } = await mandatePublicPem(svc);
      return salesforceExchange(svc, {
        subject_token: svc.idp.hs256(subjectClaims(svc, { iss: svc.issuer }), pem, kid),
        scope: 'crm.read',
      });
    },
    status: 400,
    error: 'invalid_grant',
    description: "subject_token issued by Mandate must have typ 'at+jwt'",
  },
  {
    name: 'Mandate-issued token whose typ is not at+jwt',
    send: async (svc) => {
      const { kid, privateKey } = mandateKey(svc);
      const token = await new SignJWT(subjectClaims(svc, { iss: svc.issuer }))
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
        .sign(privateKey);
      return salesforceExchange(svc, { subject_token: token, scope: 'crm.read' });
    },
    status: 400,
    error: 'invalid_grant',
    description: "subject_token issued by Mandate must have typ 'at+jwt'",
  },
  {
    name: 'subject token issued to another client (aud of the Workday MCP server)',
    send: subjectRow((s) => subjectClaims(s, { aud: MCP.workday })),
    status: 400,
    error: 'invalid_grant',
    description: 'subject_token was not issued to this client',
  },
  {
    name: 'delegation chain too deep',
    send: subjectRow((s) => subjectClaims(s, { act: nestedAct(5) })),
    status: 400,
    error: 'invalid_grant',
    description: 'delegation chain deeper than 5 actors',
  },
  {
    name: 'may_act naming someone else',
    send: subjectRow((s) => subjectClaims(s, { may_act: { sub: 'mcp-workday', client_id: 'mcp-workday' } })),
    status: 400,
    error: 'invalid_grant',
    description: 'the subject_token does not allow this actor',
  },
  // --- policy refusals ---
  {
    name: 'actor not allowed for the service (mcp-workday asking for Salesforce)',
    // alice is in sales, so the actor is the only problem.
    send: (svc) =>
      workdayExchange(
        svc,
        { resource: API.salesforce, scope: 'crm.read' },
        { groups: ['sales'], scope: 'crm.read' },
      ),
    status: 400,
    error: 'unauthorized_client',
    description: 'actor mcp-workday may not obtain tokens for salesforce',
  },
  {
    name: "scope not allowed for the user's groups",
    send: subjectRow((s) => subjectClaims(s, { groups: ['engineering'] }), { scope: 'crm.write' }),
    status: 400,
    error: 'invalid_scope',
    description:
      "none of the requested scopes may be granted; scope crm.write: not allowed for the subject's groups",
  },
  {
    name: 'unknown resource',
    send: subjectRow((s) => subjectClaims(s), { resource: 'https://api.unknown.example' }),
    status: 400,
    error: 'invalid_target',
    description: 'https://api.unknown.example is not a registered downstream service',
  },
  {
    name: 'resource and audience naming different services',
    send: subjectRow((s) => subjectClaims(s), { resource: API.salesforce, audience: 'workday' }),
    status: 400,
    error: 'invalid_target',
    description: 'resource and audience name different services',
  },
  {
    name: 'two resources',
    send: subjectRow((s) => subjectClaims(s), { resource: [API.salesforce, API.workday] }),
    status: 400,
    error: 'invalid_target',
    description: 'request a token for one target service at a time',
  },
  {
    name: 'workday exchange without DPoP (the policy requires it)',
    send: (svc) => workdayExchange(svc, {}),
    status: 400,
    error: 'invalid_request',
    description: 'workday requires a DPoP-bound token; present a DPoP proof',
  },
  // --- token types ---
  {
    name: 'missing subject_token_type',
    send: subjectRow((s) => subjectClaims(s), { subject_token_type: undefined }),
    status: 400,
    error: 'invalid_request',
    description: "missing required parameter 'subject_token_type'",
  },
  {
    name: 'unsupported subject_token_type',
    send: subjectRow((s) => subjectClaims(s), {
      subject_token_type: 'urn:ietf:params:oauth:token-type:saml2',
    }),
    status: 400,
    error: 'invalid_request',
    description: "unsupported subject_token_type 'urn:ietf:params:oauth:token-type:saml2'",
  },
  {
    name: 'actor_token without actor_token_type',
    send: subjectRow((s) => subjectClaims(s), { actor_token: 'a.b.c' }),
    status: 400,
    error: 'invalid_request',
    description: "missing required parameter 'actor_token_type' (actor_token is present)",
  },
  {
    name: 'actor_token_type without actor_token',
    send: subjectRow((s) => subjectClaims(s), { actor_token_type: ACCESS_TOKEN }),
    status: 400,
    error: 'invalid_request',
    description: "'actor_token_type' must not be sent without 'actor_token'",
  },
];

abuseSuite(
  'token exchange abuse: the subject and actor tokens, their types, and the policy (exact wire errors)',
  rows,
);
