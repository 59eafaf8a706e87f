/**
 * What the HTTP fuzz sends, as plain data (fast-check arbitraries): for each advertised endpoint an
 * honest request, then up to four mutations (a value replaced by a hostile one, a parameter
 * repeated, dropped or added), hostile client authentication, DPoP headers, content types, header
 * floods and broken body encodings. fuzz-build.ts turns a plan into bytes.
 */
import fc from 'fast-check';
import { jwtPlan, type JwtPlan } from './fuzz-jwt.js';
import { hostileString, RAW_FRAGMENTS } from './fuzz-values.js';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TYPE = 'urn:ietf:params:oauth:token-type:';

/** A parameter value: text (percent-encoded as UTF-8), a raw fragment sent as is, or a JWT. */
export type Value = { text: string } | { raw: string } | { jwt: JwtPlan };
export type Pairs = [string, Value][];

export type Auth =
  | { kind: 'none' }
  | { kind: 'client'; client: 'salesforce' | 'ai-client' | 'confidential' }
  | { kind: 'assertion'; jwt: JwtPlan }
  | { kind: 'basic'; id: string; secret: string; encode: boolean }
  | { kind: 'header'; value: string | number[] };

export type Endpoint =
  | 'token'
  | 'authorize'
  | 'consent'
  | 'callback'
  | 'register'
  | 'introspect'
  | 'revoke'
  | 'metadata'
  | 'jwks'
  | 'dev-idp'
  | 'unknown';

export interface Transport {
  /** undefined: the endpoint's own type; null: no Content-Type header. */
  contentType?: string | null;
  /** Extra headers, some of them hostile bytes. */
  headers: [string, string | number[]][];
  /** Many headers at once (a flood). */
  flood: number;
  /** Bytes that are not UTF-8 appended to a form body; or a Content-Length shorter than the body. */
  body: 'as-is' | 'invalid-utf8' | 'short-length' | 'no-length';
}

export interface Plan {
  endpoint: Endpoint;
  method: string;
  path: string;
  query: Pairs;
  form?: Pairs;
  /** A JSON body, as text. */
  json?: string;
  auth: Auth;
  dpop: Value[];
  transport: Transport;
}

export const text = (s: string): Value => ({ text: s });
export const texts = (...xs: string[]) => fc.constantFrom(...xs).map(text);
export const jwt = (kind: JwtPlan['kind']) => jwtPlan(kind).map((p): Value => ({ jwt: p }));

export const hostileValue: fc.Arbitrary<Value> = fc.oneof(
  { weight: 3, arbitrary: hostileString.map(text) },
  { weight: 1, arbitrary: fc.constantFrom(...RAW_FRAGMENTS).map((raw): Value => ({ raw })) },
  { weight: 1, arbitrary: fc.constantFrom('subject', 'id_jag', 'assertion', 'dpop' as const).chain(jwt) },
);

const hostileKey = fc.oneof(
  fc.constantFrom('scope', 'resource', 'client_id', 'grant_type', 'audience', 'foo', 'scope[]', '__proto__'),
  hostileString,
);

type Mutation =
  | { op: 'replace'; at: number; value: Value }
  | { op: 'repeat'; at: number; value?: Value }
  | { op: 'drop'; at: number }
  | { op: 'add'; key: string; value: Value };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: hostileValue }),
  },
  {
    weight: 2,
    arbitrary: fc.record(
      { op: fc.constant('repeat' as const), at: fc.nat(), value: hostileValue },
      { requiredKeys: ['op', 'at'] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('drop' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('add' as const), key: hostileKey, value: hostileValue }),
  },
);

function mutate(pairs: Pairs, ms: Mutation[]): Pairs {
  const out = [...pairs];
  for (const m of ms) {
    if (m.op === 'add') out.push([m.key, m.value]);
    if (out.length === 0) continue;
    const i = m.op === 'add' ? 0 : m.at % out.length;
    const [key, value] = out[i]!;
    if (m.op === 'replace') out[i] = [key, m.value];
    else if (m.op === 'repeat') out.splice(i + 1, 0, [key, m.value ?? value]);
    else if (m.op === 'drop') out.splice(i, 1);
  }
  return out;
}

/** An honest parameter list, mutated zero to four times. */
export const mutated = (honest: fc.Arbitrary<Pairs>): fc.Arbitrary<Pairs> =>
  fc
    .tuple(
      honest,
      fc.oneof(
        { weight: 2, arbitrary: fc.constant<Mutation[]>([]) },
        { weight: 3, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 4 }) },
      ),
    )
    .map(([pairs, ms]) => mutate(pairs, ms));

export const opt = (name: string, v: fc.Arbitrary<Value>): fc.Arbitrary<Pairs> =>
  fc.option(
    v.map((x): Pairs => [[name, x]]),
    { nil: [] as Pairs, freq: 2 },
  );
export const one = (name: string, v: fc.Arbitrary<Value>): fc.Arbitrary<Pairs> =>
  v.map((x): Pairs => [[name, x]]);
export const concat = (...parts: fc.Arbitrary<Pairs>[]): fc.Arbitrary<Pairs> =>
  fc.tuple(...parts).map((ps) => ps.flat());

export const RESOURCES = texts(
  'https://api.salesforce.example',
  'https://api.workday.example',
  'https://mcp.salesforce.example/mcp',
  'https://mcp.workday.example/mcp',
);
export const SCOPES = texts(
  'crm.read',
  'crm.read crm.write',
  'crm.write',
  'hr.profile.read',
  'hr.profile.read hr.timeoff.read',
  'openid offline_access',
);

/** Mostly the value an honest request sends, sometimes any of the others. */
const likely = (honest: string, others: fc.Arbitrary<Value>): fc.Arbitrary<Value> =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(text(honest)) }, { weight: 1, arbitrary: others });

/** The honest token requests, one per grant, and the client each authenticates as. */
const tokenRequests: fc.Arbitrary<{ pairs: Pairs; auth: Auth }> = fc.oneof(
  concat(
    one('grant_type', texts(TOKEN_EXCHANGE)),
    one('subject_token', jwt('subject')),
    one('subject_token_type', texts(`${TYPE}access_token`, `${TYPE}jwt`, `${TYPE}id_token`)),
    opt('actor_token', jwt('actor')),
    opt('actor_token_type', texts(`${TYPE}access_token`, `${TYPE}jwt`)),
    opt('requested_token_type', texts(`${TYPE}access_token`, `${TYPE}id-jag`, `${TYPE}refresh_token`)),
    one('resource', likely('https://api.salesforce.example', RESOURCES)),
    fc.oneof({ weight: 4, arbitrary: fc.constant<Pairs>([]) }, opt('audience', RESOURCES)),
    opt('scope', likely('crm.read', SCOPES)),
  ).map((pairs) => ({ pairs, auth: { kind: 'client', client: 'salesforce' } as Auth })),
  concat(
    one('grant_type', texts(JWT_BEARER)),
    one('assertion', jwt('id_jag')),
    opt('scope', likely('hr.profile.read', SCOPES)),
    opt('resource', likely('https://mcp.workday.example/mcp', RESOURCES)),
  ).map((pairs) => ({ pairs, auth: { kind: 'client', client: 'ai-client' } as Auth })),
  concat(
    one('grant_type', texts('authorization_code')),
    one('code', texts('never-issued', 'x'.repeat(43))),
    one('code_verifier', texts('v'.repeat(43))),
    one('redirect_uri', texts('http://127.0.0.1/callback', 'https://app.example/cb')),
  ).map((pairs) => ({
    pairs,
    auth: {
      kind: 'assertion',
      jwt: { kind: 'assertion', header: [], claims: [], signature: 'signed' },
    } as Auth,
  })),
  concat(
    one(
      'grant_type',
      texts(
        'refresh_token',
        'client_credentials',
        'password',
        'urn:ietf:params:oauth:grant-type:device_code',
      ),
    ),
    one('refresh_token', texts('never-issued', 'r'.repeat(64))),
    opt('scope', SCOPES),
    one('client_id', texts('test-public')),
  ).map((pairs) => ({ pairs, auth: { kind: 'none' } as Auth })),
);

const hostileBytes: fc.Arbitrary<number[]> = fc
  .constantFrom([0], [0xff, 0xfe], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x0d, 0x0a, 0x20], [0x7f], [0xe9])
  .map((b) => [...b]);

export const hostileAuth: fc.Arbitrary<Auth> = fc.oneof(
  fc.record({
    kind: fc.constant('basic' as const),
    id: hostileString,
    secret: hostileString,
    encode: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('header' as const),
    value: fc.oneof(
      fc.constantFrom(
        'Basic',
        'Basic ',
        'Basic ====',
        'Basic Og==',
        'Basic OmE=',
        'basic  YTpi',
        'Bearer x',
        'DPoP x',
        'Basic YQ',
        `Basic ${'A'.repeat(9000)}`,
      ),
      hostileString,
      fc
        .tuple(fc.constantFrom('Basic ', 'Basic YT'), hostileBytes)
        .map(([p, b]) => [...Buffer.from(p), ...b]),
    ),
  }),
  fc.record({ kind: fc.constant('assertion' as const), jwt: jwtPlan('assertion') }),
  fc.record({
    kind: fc.constant('client' as const),
    client: fc.constantFrom('salesforce', 'ai-client', 'confidential' as const),
  }),
);

export const withAuth = (honest: Auth): fc.Arbitrary<Auth> =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(honest) }, { weight: 1, arbitrary: hostileAuth });

export const dpop: fc.Arbitrary<Value[]> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Value[]>([]) },
  { weight: 2, arbitrary: jwt('dpop').map((v) => [v]) },
  {
    weight: 1,
    arbitrary: fc.array(fc.oneof(jwt('dpop'), hostileString.map(text)), { minLength: 1, maxLength: 3 }),
  },
);

const hostileTransport: fc.Arbitrary<Transport> = fc.record({
  contentType: fc.oneof(
    { weight: 8, arbitrary: fc.constant(undefined) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        null,
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded; charset=iso-8859-1',
        'APPLICATION/X-WWW-FORM-URLENCODED',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded, application/json',
        'application/json; charset=utf-16',
        '*/*',
        '',
      ),
    },
  ),
  headers: fc.oneof(
    { weight: 4, arbitrary: fc.constant<[string, string | number[]][]>([]) },
    {
      weight: 1,
      arbitrary: fc.array(
        fc.tuple(
          fc.constantFrom(
            'X-Forwarded-For',
            'Forwarded',
            'Cookie',
            'Accept',
            'X-Fuzz',
            'Origin',
            'Traceparent',
            'Accept-Encoding',
          ),
          fc.oneof(
            hostileString.filter((s) => s.length < 8000),
            hostileBytes,
          ),
        ),
        { maxLength: 3 },
      ),
    },
  ),
  flood: fc.oneof(
    { weight: 9, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.constantFrom(60, 200, 2000) },
  ),
  body: fc.constantFrom<Transport['body']>(
    'as-is',
    'as-is',
    'as-is',
    'as-is',
    'as-is',
    'as-is',
    'invalid-utf8',
    'short-length',
    'no-length',
  ),
});

/** Mostly a clean transport, so that the other mutations reach the endpoint. */
export const transport: fc.Arbitrary<Transport> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Transport>({ headers: [], flood: 0, body: 'as-is' }) },
  { weight: 2, arbitrary: hostileTransport },
);

export const post = (endpoint: Endpoint, path: string, form: fc.Arbitrary<Pairs>, auth: fc.Arbitrary<Auth>) =>
  fc.record({
    endpoint: fc.constant(endpoint),
    method: fc.oneof({ weight: 12, arbitrary: fc.constant('POST') }, fc.constantFrom('GET', 'PUT', 'PATCH')),
    path: fc.constant(path),
    query: fc.constant([] as Pairs),
    form,
    auth,
    dpop,
    transport,
  });

/** The token endpoint, every grant (the first slice of the fuzz). */
export const tokenPlan: fc.Arbitrary<Plan> = fc.oneof(
  {
    weight: 3,
    arbitrary: tokenRequests.chain(({ pairs, auth }) =>
      post('token', '/token', mutated(fc.constant(pairs)), withAuth(auth)),
    ),
  },
  // Honest but for the claims of the tokens it carries, so that accepted hostile claims meet the
  // invariants of a 200.
  {
    weight: 1,
    arbitrary: tokenRequests.map(({ pairs, auth }): Plan => ({
      endpoint: 'token',
      method: 'POST',
      path: '/token',
      query: [],
      form: pairs,
      auth,
      dpop: [],
      transport: { headers: [], flood: 0, body: 'as-is' },
    })),
  },
);
