/**
 * The login layer behind the authorization endpoint: a login session in an encrypted cookie
 * (AES-256-GCM under a key derived from the KEK with HKDF, so every instance can read it and
 * nobody can forge or read it elsewhere), and the round trip to the IdP. Each round trip has its
 * own short-lived cookie named after its `state`, holding the PKCE verifier and nonce, so parallel
 * logins in one browser do not collide and a callback cannot be replayed into another browser.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { LoginPort, LoginSession } from '../oauth/authorize/login-port.js';
import { deriveKey, seal, unseal } from '../oauth/tokens/sealed-value.js';
import type { SubjectRepo } from '../store/subjects.js';
import { parseCookies, serializeCookie } from './cookies.js';
import type { LoginSecrets, RelyingParty } from './relying-party.js';

const SESSION = 'mandate_session';
const TX_PREFIX = 'mandate_login_';
const TX_TTL = 600;
const CONSENT_TTL = 900;

interface LoginTransaction extends LoginSecrets {
  returnTo: string;
  /** A page of Mandate's own to return to instead of the authorization endpoint (an approval). */
  returnUrl?: string;
}

export interface LoginOptions {
  issuer: string;
  kek: Uint8Array;
  sessionTtl: number;
  rp: RelyingParty;
  subjects: SubjectRepo;
  now: () => number;
}

/** Raised by `callback` for a login that failed at or after the IdP; shown to the user as a page. */
export class LoginFailedError extends Error {
  override name = 'LoginFailedError';
}

export interface Login extends LoginPort {
  /** Handles the IdP's redirect back: resolves where to go next and the cookies to set. */
  callback(url: URL, cookieHeader: string | undefined): Promise<{ location: string; cookies: string[] }>;
  logout(): string[];
}

/** The keys and cookie settings a login instance works with, derived once from its options. */
interface Cookies {
  o: LoginOptions;
  sessionKey: Buffer;
  txKey: Buffer;
  formKey: Buffer;
  csrfKey: Buffer;
  path: string;
  secure: boolean;
  sessionName: string;
}

function cookiesOf(o: LoginOptions): Cookies {
  const issuerUrl = new URL(o.issuer);
  const path = `${issuerUrl.pathname.replace(/\/$/, '')}/`;
  const secure = issuerUrl.protocol === 'https:';
  return {
    o,
    sessionKey: deriveKey(o.kek, 'login-session'),
    txKey: deriveKey(o.kek, 'login-transaction'),
    formKey: deriveKey(o.kek, 'consent-form'),
    csrfKey: deriveKey(o.kek, 'consent-csrf'),
    path,
    secure,
    sessionName: prefixOf(path, secure) + SESSION,
  };
}

/**
 * RFC 6265bis §4.1.3.2: on an https issuer at the root, `__Host-` cookies cannot be planted or
 * overwritten by a sibling subdomain (they must be Secure, Path=/, without Domain).
 */
function prefixOf(path: string, secure: boolean): string {
  return secure && path === '/' ? '__Host-' : '';
}

/** The cookie of one round trip to the IdP, named after its state. */
function txName(c: Cookies, state: string): string {
  return prefixOf(c.path, c.secure) + TX_PREFIX + state.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 22);
}

async function beginLogin(c: Cookies, returnTo: string, opts: Parameters<LoginPort['begin']>[1]) {
  const { o } = c;
  const secrets = o.rp.newSecrets();
  const location = await o.rp.authorizationUrl(secrets, opts);
  // Only a page below the issuer: the login is never a way to send a browser elsewhere.
  const returnUrl = opts?.returnUrl?.startsWith(`${o.issuer}/`) === true ? opts.returnUrl : undefined;
  const tx: LoginTransaction = {
    ...secrets,
    returnTo,
    ...(returnUrl === undefined ? {} : { returnUrl }),
  };
  const value = seal(c.txKey, TX_PREFIX, tx, o.now() + TX_TTL);
  return {
    location,
    cookies: [
      serializeCookie(txName(c, secrets.state), value, { path: c.path, maxAge: TX_TTL, secure: c.secure }),
    ],
  };
}

/** The round trip this callback ends, from its cookie; refused when missing, expired or another's. */
function openTransaction(c: Cookies, url: URL, cookieHeader: string | undefined): LoginTransaction {
  const state = url.searchParams.get('state') ?? '';
  const raw = parseCookies(cookieHeader).get(txName(c, state));
  const tx = raw === undefined ? undefined : unseal<LoginTransaction>(c.txKey, TX_PREFIX, raw, c.o.now());
  if (tx === undefined || tx.state !== state)
    throw new LoginFailedError('this login has expired or was started in another browser: start again');
  const idpError = url.searchParams.get('error');
  if (idpError !== null)
    throw new LoginFailedError(
      `the identity provider refused the login: ${idpError}${url.searchParams.has('error_description') ? ` (${url.searchParams.get('error_description')})` : ''}`,
    );
  return tx;
}

/** Who the IdP says logged in; an IdP that is down stays an outage, anything else a failed login. */
async function verifyAtIdp(c: Cookies, url: URL, tx: LoginTransaction) {
  try {
    return await c.o.rp.callback(url, tx);
  } catch (err) {
    if ((err as Error).name === 'IdpUnavailableError') throw err;
    throw new LoginFailedError(`the login could not be verified: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

async function finishLogin(c: Cookies, url: URL, cookieHeader: string | undefined) {
  const { o, path, secure } = c;
  const tx = openTransaction(c, url, cookieHeader);
  const who = await verifyAtIdp(c, url, tx);
  const now = o.now();
  await o.subjects.upsert(who.subject, now);
  const session: LoginSession = {
    sid: randomBytes(16).toString('base64url'),
    subject: who.subject,
    authTime: who.authTime,
  };
  return {
    location: tx.returnUrl ?? `${o.issuer}/authorize?${tx.returnTo}`,
    cookies: [
      serializeCookie(c.sessionName, seal(c.sessionKey, SESSION, session, now + o.sessionTtl), {
        path,
        maxAge: o.sessionTtl,
        secure,
      }),
      serializeCookie(txName(c, tx.state), '', { path, maxAge: 0, secure }),
    ],
  };
}

export function createLogin(o: LoginOptions): Login {
  const c = cookiesOf(o);
  const csrf = (sid: string) => createHmac('sha256', c.csrfKey).update(sid).digest('base64url');
  return {
    session(cookieHeader) {
      const raw = parseCookies(cookieHeader).get(c.sessionName);
      return raw === undefined ? undefined : unseal<LoginSession>(c.sessionKey, SESSION, raw, o.now());
    },
    begin: (returnTo, opts) => beginLogin(c, returnTo, opts),
    callback: (url, cookieHeader) => finishLogin(c, url, cookieHeader),
    logout: () => [serializeCookie(c.sessionName, '', { path: c.path, maxAge: 0, secure: c.secure })],
    csrfToken: csrf,
    csrfValid(sid, token) {
      const a = Buffer.from(csrf(sid));
      const b = Buffer.from(token);
      return a.length === b.length && timingSafeEqual(a, b);
    },
    sealRequest: (sid, query) => seal(c.formKey, 'consent', { sid, query }, o.now() + CONSENT_TTL),
    openRequest: (sealed) => unseal<{ sid: string; query: string }>(c.formKey, 'consent', sealed, o.now()),
  };
}
