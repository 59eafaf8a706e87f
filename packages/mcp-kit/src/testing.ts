/**
 * Test tokens for an MCP server author's own tests, with no Mandate running: a test issuer with
 * its own ES256 key mints RFC 9068 access tokens that a resource server created with the issuer's
 * `issuer` and `jwks` accepts exactly as it accepts Mandate's (signature, `typ`, `iss`, `aud`,
 * lifetime, scopes), so tests exercise the real checks and challenges.
 *
 * Test mode only (see test-mode.ts): {@link createTestIssuer} throws unless `NODE_ENV=test`, its
 * issuer is on the reserved `.test` domain, and `createResourceServer` refuses a `.test` issuer
 * outside test mode, so a test key can never be trusted by a production server by accident.
 *
 * @packageDocumentation
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { JwksError, type JwksClient } from './jwks.js';
import { isTestIssuer, requireTestMode } from './test-mode.js';

/** The test issuer's identifier unless another `.test` one is given. */
export const TEST_ISSUER = 'https://mandate.test';

/** What a test token says: who, for which resource, with which scopes (RFC 9068 §2.2). */
export interface TestTokenOptions {
  /** The user (`sub`). */
  sub: string;
  /** The resource the token is for (`aud`): your server's `resource`. */
  aud: string;
  /** Granted scopes (`scope`, default none). */
  scopes?: readonly string[];
  /** The AI client (`client_id`, default `test-client`). */
  clientId?: string;
  /** Lifetime in seconds (default 300); negative for an expired token. */
  ttlSeconds?: number;
  /** The actor chain (`act`, RFC 8693 §4.1). */
  act?: Record<string, unknown>;
  /** Any further claims (`groups`, `cnf`, …); they cannot replace `iss`. */
  claims?: Record<string, unknown>;
  /** Seconds since the epoch (default now). */
  now?: number;
}

/** A test authorization server: its issuer, a JWKS client with its key, and a token minter. */
export interface TestIssuer {
  /** Pass as `createResourceServer({ issuer })`. */
  readonly issuer: string;
  /** Pass as `createResourceServer({ jwks })`: it holds the test key, nothing is fetched. */
  readonly jwks: JwksClient;
  /** Mints a signed access token (`typ: at+jwt`, ES256) with a fresh `jti`. */
  mint(opts: TestTokenOptions): Promise<string>;
}

/**
 * Creates a test issuer with a fresh ES256 key (RFC 9068 tokens for tests).
 * @throws Error outside test mode (`NODE_ENV` other than `test`), or for an issuer not on `.test`.
 */
export async function createTestIssuer(opts: { issuer?: string } = {}): Promise<TestIssuer> {
  requireTestMode('createTestIssuer');
  const issuer = opts.issuer ?? TEST_ISSUER;
  if (!isTestIssuer(issuer))
    throw new Error(`a test issuer must be on the reserved .test domain (RFC 6761): ${issuer}`);
  const kid = `test-${randomUUID()}`;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwks: JwksClient = {
    fetches: 0,
    async getKey(header) {
      if (header.kid !== kid) throw new JwksError('unknown_key', "not the test issuer's key");
      return publicKey;
    },
  };
  return {
    issuer,
    jwks,
    async mint(t) {
      const now = t.now ?? Math.floor(Date.now() / 1000);
      return new SignJWT({
        ...t.claims,
        client_id: t.clientId ?? 'test-client',
        scope: (t.scopes ?? []).join(' '),
        ...(t.act === undefined ? {} : { act: t.act }),
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
        .setIssuer(issuer)
        .setSubject(t.sub)
        .setAudience(t.aud)
        .setIssuedAt(Math.min(now, now + (t.ttlSeconds ?? 300)))
        .setExpirationTime(now + (t.ttlSeconds ?? 300))
        .setJti(randomUUID())
        .sign(privateKey);
    },
  };
}
