/**
 * Wires the first hop from configuration: the protected-resource registry, the stores of codes,
 * grants, consents and subjects, the login layer, and the IdP users log in with: the enterprise
 * IdP when UPSTREAM_OIDC_ISSUER is set, else the development IdP mounted at <issuer>/dev-idp. Either
 * way Mandate reaches it through the same relying-party code (src/federation/relying-party.ts).
 */
import type { Config } from '../config/index.js';
import { createDevIdp, DEV_IDP_CLIENT_ID, type DevIdp } from '../federation/dev-idp/provider.js';
import { createLogin, type Login } from '../federation/login.js';
import { createRelyingParty } from '../federation/relying-party.js';
import type { Logger } from '../log.js';
import { endpointUrls } from '../oauth/endpoint-urls.js';
import type { FirstHop } from '../oauth/first-hop.js';
import { createResourceRegistry } from '../oauth/protected-resources.js';
import { deriveKey } from '../oauth/tokens/sealed-value.js';
import { createAuthorizationCodeRepo } from '../store/authorization-codes.js';
import { createConsentRepo } from '../store/consents.js';
import type { Db } from '../store/db.js';
import { createGrantRepo } from '../store/grants.js';
import { createSubjectRepo } from '../store/subjects.js';
import { revokeToken } from '../store/tokens.js';

export interface FirstHopService {
  firstHop: FirstHop;
  http: { login: Login; devIdp?: DevIdp; scopesSupported: string[] };
}

/** The development IdP, when no enterprise IdP is configured: its secrets derived from the KEK. */
function startDevIdp(config: Config, kek: Uint8Array, redirectUri: string, log: Logger): DevIdp {
  const devIdp = createDevIdp({
    mandateIssuer: config.issuer,
    clientSecret: deriveKey(kek, 'dev-idp-client-secret').toString('base64url'),
    cookieKey: deriveKey(kek, 'dev-idp-cookies').toString('base64url'),
    redirectUri,
  });
  log.warn('login: no UPSTREAM_OIDC_ISSUER, so users log in at the development IdP (demo users only)', {
    issuer: devIdp.issuer,
  });
  return devIdp;
}

export function createFirstHopService(opts: {
  config: Config;
  db: Db;
  kek: Uint8Array;
  now: () => number;
  log: Logger;
}): FirstHopService {
  const { config, db, kek, now, log } = opts;
  const resources = createResourceRegistry(config.file.resources);
  const subjects = createSubjectRepo(db);
  const redirectUri = endpointUrls(config.issuer).loginCallback;
  const upstream = config.upstream;
  const devIdp = upstream === undefined ? startDevIdp(config, kek, redirectUri, log) : undefined;
  if (upstream !== undefined)
    log.info('login: users log in at the enterprise IdP', { issuer: upstream.issuer });
  const rp = createRelyingParty({
    issuer: upstream?.issuer ?? devIdp?.issuer ?? '',
    clientId: upstream?.clientId ?? DEV_IDP_CLIENT_ID,
    clientSecret: upstream === undefined ? devIdp?.clientSecret : upstream.clientSecret,
    tokenAuthMethod: upstream?.tokenAuthMethod ?? 'client_secret_basic',
    scopes: upstream?.scopes ?? ['openid', 'profile', 'email', 'groups'],
    groupsClaim: upstream?.groupsClaim ?? 'groups',
    claims: upstream?.claims ?? { email: 'email', name: 'name', department: 'department' },
    redirectUri,
    now,
  });
  const login = createLogin({
    issuer: config.issuer,
    kek,
    sessionTtl: config.firstHop.sessionTtl,
    rp,
    subjects,
    now,
  });
  log.info('first hop: protected resources', { resources: resources.all().map((r) => r.resource) });
  return {
    firstHop: {
      resources,
      codes: createAuthorizationCodeRepo(db),
      grants: createGrantRepo(db),
      consents: createConsentRepo(db),
      subjects,
      revokeAccessToken: (jti, at) => revokeToken(db, jti, at),
      accessTokenTtl: config.firstHop.accessTokenTtl,
      refreshTokenTtl: config.firstHop.refreshTokenTtl,
      refreshGrace: config.firstHop.refreshGrace,
      authCodeTtl: config.firstHop.authCodeTtl,
    },
    http: {
      login,
      ...(devIdp === undefined ? {} : { devIdp }),
      scopesSupported: [...new Set(resources.all().flatMap((r) => r.scopesSupported))],
    },
  };
}
