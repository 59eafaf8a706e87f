/**
 * Turns a fuzz plan (fuzz-plans.ts) into the bytes of one HTTP request: JWTs signed by the keys
 * Mandate trusts with the honest claims of their kind (then the plan's hostile members), form
 * bodies percent-encoded byte by byte, client authentication, DPoP headers and the transport's
 * content type, header flood and body encoding.
 */
import { buildJwt, type JwtPlan, type Signer } from './fuzz-jwt.js';
import type { Auth, Pairs, Plan, Value } from './fuzz-plans.js';
import { CLIENT_ASSERTION_TYPE } from './fuzz-plans.js';
import { pct } from './fuzz-values.js';
import type { RawRequest } from './fuzz-wire.js';

export interface FuzzContext {
  issuer: string;
  tokenEndpoint: string;
  /** Signers of a trusted subject-token issuer, an ID-JAG issuer, a registered client, a DPoP key. */
  subject: Signer & { iss: string };
  idJag: Signer & { iss: string };
  client: Signer & { clientId: string };
  dpop: Signer;
  secrets: { salesforce: string; aiClient: string; confidential: string };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function honest(
  kind: JwtPlan['kind'],
  ctx: FuzzContext,
): { signer: Signer; header: Record<string, unknown>; claims: Record<string, unknown> } {
  const iat = nowSeconds();
  switch (kind) {
    case 'subject':
      return {
        signer: ctx.subject,
        header: { typ: 'at+jwt' },
        claims: {
          iss: ctx.subject.iss,
          sub: 'alice',
          aud: 'https://mcp.salesforce.example/mcp',
          client_id: 'claude-desktop',
          groups: ['sales'],
          scope: 'crm.read crm.write',
          iat,
          exp: iat + 600,
        },
      };
    case 'actor':
      return {
        signer: ctx.subject,
        header: { typ: 'JWT' },
        claims: { iss: ctx.subject.iss, sub: 'mcp-salesforce', aud: ctx.issuer, iat, exp: iat + 600 },
      };
    case 'id_jag':
      return {
        signer: ctx.idJag,
        header: { typ: 'oauth-id-jag+jwt' },
        claims: {
          iss: ctx.idJag.iss,
          sub: 'alice',
          aud: ctx.issuer,
          client_id: 'ai-client',
          resource: 'https://mcp.workday.example/mcp',
          scope: 'hr.profile.read hr.timeoff.read',
          iat,
          exp: iat + 300,
        },
      };
    case 'assertion':
      return {
        signer: ctx.client,
        header: { typ: 'JWT' },
        claims: {
          iss: ctx.client.clientId,
          sub: ctx.client.clientId,
          aud: ctx.tokenEndpoint,
          iat,
          exp: iat + 120,
        },
      };
    case 'dpop':
      return {
        signer: ctx.dpop,
        header: {
          typ: 'dpop+jwt',
          jwk: { kty: ctx.dpop.jwk.kty, crv: ctx.dpop.jwk.crv, x: ctx.dpop.jwk.x, y: ctx.dpop.jwk.y },
        },
        claims: { htm: 'POST', htu: ctx.tokenEndpoint, iat },
      };
  }
}

export function jwtOf(plan: JwtPlan, ctx: FuzzContext): string {
  const h = honest(plan.kind, ctx);
  return buildJwt(plan, h.signer, h);
}

function valueText(v: Value, ctx: FuzzContext): string {
  if ('jwt' in v) return pct(jwtOf(v.jwt, ctx));
  if ('raw' in v) return v.raw;
  return pct(v.text);
}

export function encodePairs(pairs: Pairs, ctx: FuzzContext): string {
  return pairs.map(([k, v]) => `${pct(k)}=${valueText(v, ctx)}`).join('&');
}

const b64 = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64');

/** The Authorization header and the form parameters a client authentication adds. */
function authOf(auth: Auth, ctx: FuzzContext): { header?: string | Buffer; form: Pairs } {
  switch (auth.kind) {
    case 'none':
      return { form: [] };
    case 'client': {
      const [id, secret] =
        auth.client === 'salesforce'
          ? ['mcp-salesforce', ctx.secrets.salesforce]
          : auth.client === 'ai-client'
            ? ['ai-client', ctx.secrets.aiClient]
            : ['test-confidential', ctx.secrets.confidential];
      return { header: `Basic ${b64(`${id}:${secret}`)}`, form: [] };
    }
    case 'assertion':
      return {
        form: [
          ['client_assertion_type', { text: CLIENT_ASSERTION_TYPE }],
          ['client_assertion', { jwt: auth.jwt }],
        ],
      };
    case 'basic': {
      const part = (s: string) => (auth.encode ? pct(s) : s);
      return { header: `Basic ${b64(`${part(auth.id)}:${part(auth.secret)}`)}`, form: [] };
    }
    case 'header':
      return { header: typeof auth.value === 'string' ? auth.value : Buffer.from(auth.value), form: [] };
  }
}

function defaultType(plan: Plan): string | undefined {
  if (plan.json !== undefined) return 'application/json';
  if (plan.form !== undefined) return 'application/x-www-form-urlencoded';
  return undefined;
}

export function buildRequest(plan: Plan, ctx: FuzzContext): RawRequest {
  const auth = authOf(plan.auth, ctx);
  const headers: [string, string | Buffer][] = [];
  if (auth.header !== undefined) headers.push(['Authorization', auth.header]);
  for (const d of plan.dpop)
    headers.push(['DPoP', 'jwt' in d ? jwtOf(d.jwt, ctx) : 'raw' in d ? d.raw : d.text]);
  const type = plan.transport.contentType === undefined ? defaultType(plan) : plan.transport.contentType;
  if (type !== undefined && type !== null) headers.push(['Content-Type', type]);
  for (const [name, value] of plan.transport.headers)
    headers.push([name, typeof value === 'string' ? value : Buffer.from(value)]);
  for (let i = 0; i < plan.transport.flood; i++) headers.push([`X-Flood-${i}`, 'x']);

  let body: Buffer | undefined;
  if (plan.json !== undefined) body = Buffer.from(plan.json, 'utf8');
  else if (plan.form !== undefined)
    body = Buffer.from(encodePairs([...plan.form, ...auth.form], ctx), 'latin1');
  if (body !== undefined && plan.transport.body === 'invalid-utf8')
    body = Buffer.concat([body, Buffer.from('&x='), Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80])]);
  const query = encodePairs(plan.form === undefined ? [...plan.query, ...auth.form] : plan.query, ctx);
  return {
    method: plan.method,
    target: query === '' ? plan.path : `${plan.path}?${query}`,
    headers,
    ...(body === undefined ? {} : { body }),
    ...(plan.transport.body === 'short-length' && body !== undefined
      ? { contentLength: Math.floor(body.length / 2) }
      : plan.transport.body === 'no-length'
        ? { contentLength: 'omit' as const }
        : {}),
  };
}
