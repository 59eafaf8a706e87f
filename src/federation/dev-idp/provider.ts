/**
 * The development IdP: node-oidc-provider (a certified OpenID Provider) with the demo users, used
 * when no enterprise IdP is configured, so that Mandate's relying-party code path is the same one a
 * real IdP exercises. It is mounted under Mandate's server at `<issuer>/dev-idp`; its only client is
 * Mandate itself, which it trusts as first party (no consent screen, only the sign-in page).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { esc, page, pageHeaders } from '../../ui/html.js';
import { devLoginPage } from './login-page.js';
import { checkPassword, findUser } from './users.js';

export const DEV_IDP_PATH = '/dev-idp';
export const DEV_IDP_CLIENT_ID = 'mandate';
const SCOPES = 'openid profile email groups';
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

export function createDevIdp(o: DevIdpOptions): DevIdp {
  const issuer = `${o.mandateIssuer}${DEV_IDP_PATH}`;
  const mount = new URL(issuer).pathname;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: DEV_IDP_CLIENT_ID,
        client_secret: o.clientSecret,
        redirect_uris: [o.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: {
      keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'dev-idp-rs256', alg: 'RS256', use: 'sig' }],
    },
    cookies: { keys: [o.cookieKey] },
    scopes: ['openid', 'profile', 'email', 'groups'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'department'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    // Put the scopes' claims in the ID token, as Okta and Entra ID can be configured to: Mandate
    // reads the ID token only.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    ttl: {
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      AccessToken: 300,
      IdToken: 300,
      AuthorizationCode: 60,
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `${mount}/interaction/${interaction.uid}` },
    async findAccount(_ctx, id) {
      const user = findUser(id);
      if (user === undefined) return undefined;
      return {
        accountId: user.sub,
        claims: () => ({
          sub: user.sub,
          name: user.name,
          email: user.email,
          email_verified: true,
          department: user.department,
          groups: user.groups,
        }),
      };
    },
    // Mandate is this IdP's first-party client: grant it the scopes without a consent screen.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { client, session, provider: p } = ctx.oidc;
      if (client === undefined || session === undefined || session.accountId === undefined) return undefined;
      const existing = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (existing !== undefined) {
        const found = await p.Grant.find(existing);
        if (found !== undefined) return found;
      }
      const grant = new p.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope(SCOPES);
      await grant.save();
      return grant;
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page(
        'Sign-in error',
        `<h1>Sign-in error</h1><p class="error" role="alert">${esc(out.error_description ?? out.error)}</p><p class="muted">Error code: <code>${esc(out.error)}</code></p>`,
        'Mandate development IdP',
      );
    },
  });
  const callback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, submit: boolean) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid)
      return send(res, 400, page('Sign-in error', '<h1>This sign-in has expired</h1>'));
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

  return {
    issuer,
    clientId: DEV_IDP_CLIENT_ID,
    clientSecret: o.clientSecret,
    async handle(req, res) {
      const url = req.url ?? '/';
      const rel = url.slice(mount.length) || '/';
      const m = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?(?:\?|$)/.exec(rel);
      try {
        if (m !== null && m[1] !== undefined) {
          const submit = m[2] !== undefined;
          if (submit !== (req.method === 'POST') || (req.method !== 'GET' && req.method !== 'POST'))
            return send(res, 405, page('Not allowed', '<h1>Method not allowed</h1>'));
          return await interaction(req, res, m[1], submit);
        }
        // Mounted like an express sub-app: the provider routes on the path below its mount point and
        // builds its URLs from originalUrl (oidc-provider lib/helpers/oidc_context.js urlFor).
        (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
        req.url = rel.startsWith('/') ? rel : `/${rel}`;
        await callback(req, res);
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
