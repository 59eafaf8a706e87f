/**
 * Fuzz plans for every advertised endpoint besides the token endpoint (fuzz-plans.ts): the
 * authorization endpoint (GET and POST), consent and the login callback, dynamic registration
 * (RFC 7591, JSON bodies), introspection (RFC 7662), revocation (RFC 7009), RFC 8414 metadata, the
 * JWKS, the development IdP, and paths that are not endpoints at all.
 */
import fc from 'fast-check';
import { objectText } from './fuzz-jwt.js';
import {
  concat,
  dpop,
  hostileAuth,
  hostileValue,
  jwt,
  mutated,
  one,
  opt,
  post,
  RESOURCES,
  SCOPES,
  texts,
  transport,
  withAuth,
  type Auth,
  type Endpoint,
  type Pairs,
  type Plan,
} from './fuzz-plans.js';
import { hostileJsonText, pct, RAW_FRAGMENTS } from './fuzz-values.js';

const none: Auth = { kind: 'none' };

const authorizeQuery: fc.Arbitrary<Pairs> = mutated(
  concat(
    one('response_type', texts('code', 'token', 'code id_token')),
    one('client_id', texts('test-public', 'test-confidential', 'https://127.0.0.1:1/client.json', 'unknown')),
    one(
      'redirect_uri',
      texts(
        'http://127.0.0.1/callback',
        'http://127.0.0.1:49152/callback',
        'https://app.example/cb',
        'https://evil.example/cb',
      ),
    ),
    one('code_challenge', texts('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')),
    one('code_challenge_method', texts('S256', 'plain')),
    opt('resource', RESOURCES),
    opt('scope', SCOPES),
    one('state', texts('xyz')),
    opt('prompt', texts('none', 'login', 'consent')),
  ),
);

const browserGet = (endpoint: Endpoint, path: string, query: fc.Arbitrary<Pairs>): fc.Arbitrary<Plan> =>
  fc.record({
    endpoint: fc.constant(endpoint),
    method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'DELETE'),
    path: fc.constant(path),
    query,
    auth: fc.constant(none),
    dpop: fc.constant([]),
    transport,
  });

export const authorizePlan: fc.Arbitrary<Plan> = fc.oneof(
  browserGet('authorize', '/authorize', authorizeQuery),
  post('authorize', '/authorize', authorizeQuery, fc.constant(none)),
  post(
    'consent',
    '/consent',
    mutated(
      concat(
        one('request', texts('sealed', 'a.b.c')),
        one('csrf', texts('x')),
        one('decision', texts('approve', 'deny')),
      ),
    ),
    fc.constant(none),
  ),
  browserGet(
    'callback',
    '/login/callback',
    mutated(
      concat(
        one('code', texts('c')),
        one('state', texts('s')),
        opt('iss', texts('http://127.0.0.1/dev-idp')),
        opt('error', texts('access_denied')),
      ),
    ),
  ),
);

const REGISTRATION_MEMBERS = [
  'redirect_uris',
  'client_name',
  'token_endpoint_auth_method',
  'grant_types',
  'response_types',
  'jwks',
  'jwks_uri',
  'scope',
  'client_uri',
  'logo_uri',
  'contacts',
  'software_id',
  'software_statement',
  'client_id',
  'client_secret',
  '__proto__',
];

const registrationBody: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(fc.tuple(fc.constantFrom(...REGISTRATION_MEMBERS), hostileJsonText), { maxLength: 3 })
      .map((over) =>
        objectText(
          {
            redirect_uris: ['https://app.example/cb'],
            client_name: 'Fuzz',
            token_endpoint_auth_method: 'none',
          },
          over,
        ),
      ),
  },
  { weight: 1, arbitrary: hostileJsonText },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '{',
      '{"a":',
      'nul',
      '\u0000',
      '{"redirect_uris":["https://app.example/cb"]}x',
    ),
  },
);

export const registerPlan: fc.Arbitrary<Plan> = fc.record({
  endpoint: fc.constant('register' as const),
  method: fc.constantFrom('POST', 'POST', 'POST', 'GET'),
  path: fc.constant('/register'),
  query: fc.constant([]),
  json: registrationBody,
  auth: fc.oneof({ weight: 4, arbitrary: fc.constant(none) }, { weight: 1, arbitrary: hostileAuth }),
  dpop: fc.constant([]),
  transport,
});

const tokenValue = fc.oneof(
  jwt('subject'),
  jwt('id_jag'),
  texts('never-issued', 'r'.repeat(64)),
  hostileValue,
);

export const introspectPlan: fc.Arbitrary<Plan> = post(
  'introspect',
  '/introspect',
  mutated(
    concat(one('token', tokenValue), opt('token_type_hint', texts('access_token', 'refresh_token', 'x'))),
  ),
  withAuth({ kind: 'client', client: 'salesforce' }),
);

export const revokePlan: fc.Arbitrary<Plan> = post(
  'revoke',
  '/revoke',
  mutated(
    concat(
      one('token', tokenValue),
      opt('token_type_hint', texts('access_token', 'refresh_token')),
      one('client_id', texts('test-public')),
    ),
  ),
  withAuth(none),
);

const hostileQuery: fc.Arbitrary<Pairs> = fc.array(
  fc.tuple(fc.constantFrom('a', 'resource', '__proto__'), hostileValue),
  {
    maxLength: 2,
  },
);

const get = (endpoint: Endpoint, paths: string[]): fc.Arbitrary<Plan> =>
  fc.record({
    endpoint: fc.constant(endpoint),
    method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'OPTIONS', 'DELETE'),
    path: fc.constantFrom(...paths),
    query: hostileQuery,
    auth: fc.oneof({ weight: 4, arbitrary: fc.constant(none) }, { weight: 1, arbitrary: hostileAuth }),
    dpop,
    transport,
  });

const UNKNOWN_PATHS = [
  '/',
  '/token/',
  '//token',
  '/%2e%2e/token',
  '/token%00',
  '/token%2F',
  '/register/../token',
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server/x',
  `/${'a'.repeat(3000)}`,
  '/%ff',
  `/${pct('é\u202e')}`,
  ...RAW_FRAGMENTS.map((f) => `/x${f}`),
];

export const discoveryPlan: fc.Arbitrary<Plan> = fc.oneof(
  get('metadata', ['/.well-known/oauth-authorization-server']),
  get('jwks', ['/jwks']),
  get('unknown', UNKNOWN_PATHS),
);

export const devIdpPlan: fc.Arbitrary<Plan> = fc.oneof(
  get('dev-idp', [
    '/dev-idp/.well-known/openid-configuration',
    '/dev-idp/auth',
    '/dev-idp/jwks',
    '/dev-idp/session/end',
    '/dev-idp/me',
    '/dev-idp/interaction/abc',
    `/dev-idp/interaction/${'A'.repeat(500)}`,
    '/dev-idp/interaction/%00',
  ]),
  post(
    'dev-idp',
    '/dev-idp/interaction/abc/login',
    mutated(concat(one('username', texts('alice')), one('password', texts('alice-demo')))),
    fc.constant(none),
  ),
  post(
    'dev-idp',
    '/dev-idp/token',
    mutated(
      concat(
        one('grant_type', texts('authorization_code')),
        one('code', texts('x')),
        one('redirect_uri', texts('http://127.0.0.1/cb')),
      ),
    ),
    withAuth(none),
  ),
);
