/**
 * Token exchange abuse cases against a running Mandate over real HTTP, shared by the
 * token-exchange.abuse.*.test.ts files (one per concern): each row sends one hostile or malformed
 * token request and asserts the exact wire answer (status, `{ error, error_description }`, and the
 * headers that matter). Real Postgres, real compiled policy.
 */
import { createHmac, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, SignJWT } from 'jose';
import { API, form, MCP, SECRETS, type TestService, startTestService } from '../../helpers/service.js';
import {
  ACCESS_TOKEN,
  buildPolicyVariant,
  nowSeconds,
  post,
  salesforceExchange,
  subjectClaims,
  TOKEN_EXCHANGE,
  type WireResult,
} from '../../helpers/exchange.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

export const PKJ_CLIENT = 'mcp-reports';
export const PKJ_MCP = 'https://mcp.reports.example/mcp';
export const pkjKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
export const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

export const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export interface Row {
  name: string;
  send: (svc: TestService) => Promise<WireResult>;
  status: number;
  error: string;
  description: string;
  /** Exact WWW-Authenticate value, or null when the header must be absent. */
  wwwAuthenticate?: string | null;
}

export const BASIC_CHALLENGE = 'Basic realm="mandate", charset="UTF-8"';

/** An exchange whose subject token is `claims` minted by the test IdP (ES256, typ at+jwt). */
export function subjectRow(
  claims: (svc: TestService) => Record<string, unknown>,
  params: Record<string, string | string[] | undefined> = {},
): (svc: TestService) => Promise<WireResult> {
  return async (svc) =>
    salesforceExchange(svc, {
      subject_token: await svc.idp.mint(claims(svc), { typ: 'at+jwt' }),
      scope: 'crm.read',
      ...params,
    });
}

export async function goodSubject(
  svc: TestService,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  return svc.idp.mint(subjectClaims(svc, overrides), { typ: 'at+jwt' });
}

/** A workday exchange by mcp-workday (client_secret_post). */
export async function workdayExchange(
  svc: TestService,
  params: Record<string, string | undefined>,
  subject: Record<string, unknown> = {},
): Promise<WireResult> {
  return post(
    svc.tokenEndpoint,
    form({
      grant_type: TOKEN_EXCHANGE,
      client_id: 'mcp-workday',
      client_secret: SECRETS.workday,
      subject_token: await goodSubject(svc, {
        aud: MCP.workday,
        groups: [],
        scope: 'hr.profile.read hr.timeoff.read',
        ...subject,
      }),
      subject_token_type: ACCESS_TOKEN,
      resource: API.workday,
      scope: 'hr.profile.read',
      ...params,
    }),
  );
}

export function clientAssertion(
  svc: TestService,
  opts: { aud?: string; exp?: number; iat?: number; jti?: string; key?: KeyObject } = {},
): Promise<string> {
  const now = nowSeconds();
  return new SignJWT({ jti: opts.jti ?? randomUUID() })
    .setProtectedHeader({ alg: 'ES256', kid: 'reports-1' })
    .setIssuer(PKJ_CLIENT)
    .setSubject(PKJ_CLIENT)
    .setAudience(opts.aud ?? svc.tokenEndpoint)
    .setIssuedAt(opts.iat ?? now)
    .setExpirationTime(opts.exp ?? now + 60)
    .sign(opts.key ?? pkjKey.privateKey);
}

export async function pkjExchange(svc: TestService, assertion: string): Promise<WireResult> {
  return post(
    svc.tokenEndpoint,
    form({
      grant_type: TOKEN_EXCHANGE,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      subject_token: await goodSubject(svc, { aud: PKJ_MCP }),
      subject_token_type: ACCESS_TOKEN,
      resource: API.salesforce,
      scope: 'crm.read',
    }),
  );
}

/** Mandate's own signing key, for tokens that carry Mandate as issuer. */
export function mandateKey(svc: TestService): { kid: string; privateKey: KeyObject } {
  return svc.service.ctx.signer.signingKey();
}

export async function mandatePublicPem(svc: TestService): Promise<{ kid: string; pem: string }> {
  const jwks = (await (await fetch(`${svc.issuer}/jwks`)).json()) as { keys: Record<string, string>[] };
  const jwk = jwks.keys[0]!;
  const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  return { kid: jwk.kid!, pem };
}

export function hs256(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  secret: string,
): string {
  const input = `${b64({ alg: 'HS256', ...header })}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export function nestedAct(depth: number): Record<string, unknown> | undefined {
  let act: Record<string, unknown> | undefined;
  for (let i = depth; i >= 1; i--) act = { sub: `agent-${i}`, ...(act === undefined ? {} : { act }) };
  return act;
}

/**
 * The service every abuse file runs against (a copy of the default policy whose only change is that
 * the private_key_jwt test client is an allowed actor for Salesforce), and the check of each row:
 * the exact wire answer, JSON, no-store, the challenge when it matters, never a stack trace.
 */
export function abuseSuite(title: string, rows: Row[], more?: (svc: () => TestService) => void): void {
  describe(title, () => {
    let svc: TestService;
    beforeAll(async () => {
      const bundle = await buildPolicyVariant(
        join(mkdtempSync(join(tmpdir(), 'mandate-abuse-')), 'bundle.tar.gz'),
        (data) => {
          data.actors[PKJ_CLIENT] = { services: ['salesforce'] };
        },
        'abuse-test',
      );
      const jwk = { ...(await exportJWK(pkjKey.publicKey)), kid: 'reports-1', alg: 'ES256', use: 'sig' };
      svc = await startTestService({
        env: { MANDATE_POLICY_BUNDLE: bundle },
        clients: [
          {
            client_id: PKJ_CLIENT,
            token_endpoint_auth_method: 'private_key_jwt',
            jwks: { keys: [jwk] },
            audiences: [PKJ_MCP],
          },
        ],
      });
    });
    afterAll(async () => svc?.close());

    more?.(() => svc);

    it.each(rows)('$name → $status $error', async (row) => {
      const res = await row.send(svc);
      expect({ status: res.status, body: res.body }, res.text).toEqual({
        status: row.status,
        body: { error: row.error, error_description: row.description },
      });
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      if (row.wwwAuthenticate !== undefined)
        expect(res.headers.get('www-authenticate')).toBe(row.wwwAuthenticate);
      // Never a stack trace or internal detail on the wire.
      expect(res.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
    });
  });
}
