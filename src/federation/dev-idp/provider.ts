/**
 * The development IdP: node-oidc-provider (a certified OpenID Provider) with the demo users, used
 * when no enterprise IdP is configured, so that Mandate's relying-party code path is the same one a
 * real IdP exercises. It is mounted under Mandate's server at `<issuer>/dev-idp`; its only client is
 * Mandate itself, which it trusts as first party (no consent screen, only the sign-in page).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider from 'oidc-provider';
import { esc, page, pageHeaders } from '../../ui/html.js';
import { DEV_IDP_CLIENT_ID, devIdpConfiguration } from './provider-config.js';
import { devLoginPage } from './login-page.js';
import { checkPassword } from './users.js';

export { DEV_IDP_CLIENT_ID } from './provider-config.js';
export const DEV_IDP_PATH = '/dev-idp';
const MAX_FORM = 8 * 1024;

export interface DevIdpOptions {
  /** Mandate's issuer; the IdP lives at `<issuer>/dev-idp`. */
  mandateIssuer: string;
  clientSecret: string;
  redirectUri: string;
  cookieKey: string;
}

export interface DevIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Handles every request under `<issuer path>/dev-idp` (raw node request and response). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_FORM) {
        reject(new Error('form too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, pageHeaders);
  res.end(html);
}

/** The provider, its request handler and the path it is mounted at. */
interface Mounted {
  provider: Provider;
  callback: ReturnType<Provider['callback']>;
  mount: string;
}

/** The sign-in page of one interaction, and its submission. */
async function signIn(
  { provider, mount }: Mounted,
  req: IncomingMessage,
  res: ServerResponse,
  uid: string,
  submit: boolean,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, page('Sign-in error', '<h1>This sign-in has expired</h1>'));
  const action = `${mount}/interaction/${uid}/login`;
  if (details.prompt.name !== 'login') {
    // Consent is never needed for the first-party client; finish with what the grant holds.
    return provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
  }
  if (!submit) return send(res, 200, devLoginPage(action));
  const form = await readForm(req);
  const username = form.get('username') ?? '';
  const user = checkPassword(username, form.get('password') ?? '');
  if (user === undefined)
    return send(res, 401, devLoginPage(action, { username, error: 'Unknown user or wrong password.' }));
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: user.sub } },
    { mergeWithLastSubmission: false },
  );
}

/** Routes a request under the mount point: Mandate's sign-in interaction, else the provider. */
async function route(idp: Mounted, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const rel = url.slice(idp.mount.length) || '/';
  const m = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?(?:\?|$)/.exec(rel);
  if (m !== null && m[1] !== undefined) {
    const submit = m[2] !== undefined;
    if (submit !== (req.method === 'POST') || (req.method !== 'GET' && req.method !== 'POST'))
      return send(res, 405, page('Not allowed', '<h1>Method not allowed</h1>'));
    return await signIn(idp, req, res, m[1], submit);
  }
  // Mounted like an express sub-app: the provider routes on the path below its mount point and
  // builds its URLs from originalUrl (oidc-provider lib/helpers/oidc_context.js urlFor).
  (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
  req.url = rel.startsWith('/') ? rel : `/${rel}`;
  await idp.callback(req, res);
}

export function createDevIdp(o: DevIdpOptions): DevIdp {
  const issuer = `${o.mandateIssuer}${DEV_IDP_PATH}`;
  const mount = new URL(issuer).pathname;
  const provider = new Provider(issuer, devIdpConfiguration({ ...o, mount }));
  const idp: Mounted = { provider, callback: provider.callback(), mount };
  return {
    issuer,
    clientId: DEV_IDP_CLIENT_ID,
    clientSecret: o.clientSecret,
    async handle(req, res) {
      try {
        await route(idp, req, res);
      } catch (err) {
        if (!res.headersSent)
          send(
            res,
            400,
            page(
              'Sign-in error',
              `<h1>Sign-in error</h1><p class="error">${esc((err as Error).message)}</p>`,
            ),
          );
      }
    },
  };
}
