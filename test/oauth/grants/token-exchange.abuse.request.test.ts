/**
 * Abuse cases about the request itself: repeated parameters, the grant type, hostile bodies.
 * Rows and service: token-exchange.abuse.ts.
 */
import { API, basic, form, SECRETS } from '../../helpers/service.js';
import {
  ACCESS_TOKEN,
  post,
  salesforceExchange,
  subjectClaims,
  TOKEN_EXCHANGE,
} from '../../helpers/exchange.js';
import { type Row, subjectRow, goodSubject, abuseSuite } from './token-exchange.abuse.js';

const rows: Row[] = [
  // --- repeated parameters ---
  {
    name: 'repeated grant_type',
    send: subjectRow((s) => subjectClaims(s), { grant_type: [TOKEN_EXCHANGE, TOKEN_EXCHANGE] }),
    status: 400,
    error: 'invalid_request',
    description: "parameter 'grant_type' must not be repeated",
  },
  {
    name: 'repeated scope',
    send: subjectRow((s) => subjectClaims(s), { scope: ['crm.read', 'crm.write'] }),
    status: 400,
    error: 'invalid_request',
    description: "parameter 'scope' must not be repeated",
  },
  // --- grant type ---
  {
    name: 'unsupported grant type',
    send: subjectRow((s) => subjectClaims(s), { grant_type: 'password' }),
    status: 400,
    error: 'unsupported_grant_type',
    description: "grant_type 'password' is not supported",
  },
  {
    name: 'missing grant_type',
    send: subjectRow((s) => subjectClaims(s), { grant_type: undefined }),
    status: 400,
    error: 'invalid_request',
    description: "missing required parameter 'grant_type'",
  },
  // --- bodies ---
  {
    name: 'oversize body (> 64 KiB)',
    send: async (svc) =>
      salesforceExchange(svc, { subject_token: await goodSubject(svc), padding: 'x'.repeat(70 * 1024) }),
    status: 413,
    error: 'invalid_request',
    description: 'request body is too large',
  },
  {
    name: 'JSON body',
    send: async (svc) =>
      post(
        svc.tokenEndpoint,
        JSON.stringify({
          grant_type: TOKEN_EXCHANGE,
          subject_token: await goodSubject(svc),
          subject_token_type: ACCESS_TOKEN,
          resource: API.salesforce,
        }),
        { 'content-type': 'application/json', authorization: basic('mcp-salesforce', SECRETS.salesforce) },
      ),
    status: 415,
    error: 'invalid_request',
    description: 'unsupported content type: use application/x-www-form-urlencoded',
  },
  {
    name: 'form parameters sent as text/plain',
    send: async (svc) =>
      post(
        svc.tokenEndpoint,
        form({
          grant_type: TOKEN_EXCHANGE,
          subject_token: await goodSubject(svc),
          subject_token_type: ACCESS_TOKEN,
          resource: API.salesforce,
          scope: 'crm.read',
        }),
        { 'content-type': 'text/plain', authorization: basic('mcp-salesforce', SECRETS.salesforce) },
      ),
    status: 415,
    error: 'invalid_request',
    description: 'unsupported content type: use application/x-www-form-urlencoded',
  },
  {
    name: 'malformed JSON body',
    send: (svc) => post(svc.tokenEndpoint, '{"grant_type": ', { 'content-type': 'application/json' }),
    status: 415,
    error: 'invalid_request',
    description: 'unsupported content type: use application/x-www-form-urlencoded',
  },
  {
    name: 'garbage form body',
    send: (svc) =>
      post(svc.tokenEndpoint, '%%%&&&===\u0000\u00ff', {
        authorization: basic('mcp-salesforce', SECRETS.salesforce),
      }),
    status: 400,
    error: 'invalid_request',
    // The raw U+0000 lands in the value of a parameter with an empty name.
    description: "parameter '' contains a NUL character",
  },
  {
    name: 'unknown content type',
    send: (svc) => post(svc.tokenEndpoint, 'grant_type=x', { 'content-type': 'application/octet-stream' }),
    status: 415,
    error: 'invalid_request',
    description: 'unsupported content type: use application/x-www-form-urlencoded',
  },
];

abuseSuite('token exchange abuse: the request (exact wire errors)', rows);
