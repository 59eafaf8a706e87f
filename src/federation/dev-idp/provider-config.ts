/**
 * The development IdP's oidc-provider configuration: Mandate as its only client, trusted as first
 * party (no consent screen), the demo users as accounts, the scopes' claims in the ID token.
 */
import { generateKeyPairSync } from 'node:crypto';
import type {
  Account,
  ClientMetadata,
  Configuration,
  ErrorOut,
  Grant,
  KoaContextWithOIDC,
} from 'oidc-provider';
import { esc, page } from '../../ui/html.js';
import { findUser } from './users.js';

export const DEV_IDP_CLIENT_ID = 'mandate';
const SCOPES = 'openid profile email groups';

/** What the IdP's configuration depends on. */
export interface DevIdpConfigOptions {
  clientSecret: string;
  redirectUri: string;
  cookieKey: string;
  /** The path the IdP is mounted at (its interactions live under it). */
  mount: string;
}

function mandateClient(o: DevIdpConfigOptions): ClientMetadata {
  return {
    client_id: DEV_IDP_CLIENT_ID,
    client_secret: o.clientSecret,
    redirect_uris: [o.redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  };
}

/** A demo user as an account whose claims are its profile, email and groups. */
export function findDemoAccount(_ctx: KoaContextWithOIDC, id: string): Account | undefined {
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
}

/** Mandate is this IdP's first-party client: grant it the scopes without a consent screen. */
async function grantFirstParty(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
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
}

/** The provider's errors as an HTML page, the description and code escaped. */
export function renderSignInError(ctx: KoaContextWithOIDC, out: ErrorOut): void {
  ctx.type = 'html';
  ctx.body = page(
    'Sign-in error',
    `<h1>Sign-in error</h1><p class="error" role="alert">${esc(out.error_description ?? out.error)}</p><p class="muted">Error code: <code>${esc(out.error)}</code></p>`,
    'Mandate development IdP',
  );
}

/** The configuration, with a fresh RS256 signing key. */
export function devIdpConfiguration(o: DevIdpConfigOptions): Configuration {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    clients: [mandateClient(o)],
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
    interactions: { url: (_ctx, interaction) => `${o.mount}/interaction/${interaction.uid}` },
    findAccount: findDemoAccount,
    loadExistingGrant: grantFirstParty,
    renderError: renderSignInError,
  };
}
