/**
 * The protocol core's context (src/oauth/context.ts): client lookup with RFC 7591 registration and
 * Client ID Metadata Documents, trusted issuers, the token verifier, DPoP proofs and nonces, the
 * first hop, and the ports the HTTP app needs beside it (registration, introspection, login).
 */
import { hkdfSync } from 'node:crypto';
import type { AuditPort } from '../audit/port.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import { instrumentReplay } from '../ops/instrument.js';
import { traceMint } from '../ops/trace-ports.js';
import { createApprovalWebhook } from '../ops/approval-webhook.js';
import type { Metrics } from '../ops/metrics.js';
import { cachedLookup } from '../oauth/clients/cached-lookup.js';
import type { OAuthClient } from '../oauth/clients/client.js';
import { createSelfRegistration } from '../oauth/clients/self-registration.js';
import type { OAuthContext } from '../oauth/context.js';
import type { FirstHop, FirstHopContext } from '../oauth/first-hop.js';
import { grantRegistry, type GrantRegistry } from '../oauth/grants/index.js';
import { createDpopVerifier, createNonceService } from '@mandate/mcp-kit';
import { endpointUrls } from '../oauth/endpoint-urls.js';
import type { IntrospectionPorts } from '../oauth/endpoints/introspection.js';
import { refreshTokenViews } from '../oauth/endpoints/refresh-introspection.js';
import { connectorMint } from '../oauth/connectors/connector-mint.js';
import { createConnectors } from '../oauth/connectors/create-connectors.js';
import { mandateMint } from '../oauth/tokens/mint.js';
import { createTokenVerifier, type TrustedIssuer } from '../oauth/tokens/token-verifier.js';
import type { PolicyDecisionService } from '../policy/engine.js';
import type { ClientRecord } from '../store/clients.js';
import { createReplayStore, type ReplayStore } from '../store/replay-store.js';
import { workloadIssuers } from '../config/records.js';
import { workloadTrust } from '../oauth/workload/trust.js';
import { getIssuedToken } from '../store/tokens.js';
import { createApprovalRepo } from '../store/approvals.js';
import type { Built } from './built.js';
import { createFirstHopService, type FirstHopService } from './first-hop.js';
import { buildRateLimits } from './rate-limits.js';
import type { Keys } from './keys.js';
import type { Store } from './store.js';

const LOOKUP_CACHE_MS = 5_000;

export interface Protocol {
  /** The core's context, with the first hop's ports (this service always runs the first hop). */
  ctx: FirstHopContext;
  /** The token endpoint's grants, the first hop's among them. */
  grants: GrantRegistry;
  dpopAlgorithms: string[];
  register: (body: unknown) => Promise<Record<string, unknown>>;
  introspection: IntrospectionPorts;
  firstHop: FirstHopService['http'] & { ports: FirstHop };
}

export interface ProtocolParts {
  config: Config;
  log: Logger;
  now: () => number;
  store: Store;
  keys: Keys;
  decisions: PolicyDecisionService;
  audit: AuditPort;
  metrics: Metrics;
}

/** DPoP proofs at the token endpoint (RFC 9449), with stateless nonces keyed from the KEK (§8). */
function dpopProofs(parts: ProtocolParts, replay: ReplayStore) {
  const { config, keys, now } = parts;
  const nonceSecret = new Uint8Array(hkdfSync('sha256', keys.kek, 'mandate', 'dpop-nonce', 32));
  const nonces = createNonceService({ secret: nonceSecret });
  const dpop = createDpopVerifier({ replay, nonces, requireNonce: config.dpopRequireNonce });
  const ports: Pick<OAuthContext, 'proof' | 'dpopNonce'> = {
    proof: async (req) =>
      req.dpop.length === 0
        ? undefined
        : (await dpop.verify({ headers: req.dpop, method: req.method, url: req.url, now: now() })).jkt,
    ...(config.dpopRequireNonce ? { dpopNonce: () => nonces.issue(now()) } : {}),
  };
  return { ports, algorithms: dpop.algorithms };
}

/**
 * Connector-backed services' tokens come from their own authorization servers (ADR 0013).
 * One token.sign span whichever mints: Mandate's signing, or a connector's (its downstream call too).
 */
function buildMint({ config, keys, log, metrics }: ProtocolParts): OAuthContext['mint'] {
  return traceMint(
    connectorMint({
      connectors: createConnectors(config.file.connectors, {
        issuer: config.issuer,
        keys: keys.connectors,
        signer: keys.signing,
      }),
      fallback: mandateMint(keys.signing),
      log,
      observe: {
        request: (service, kind, outcome) => metrics.connectorRequest(service, kind, outcome),
        call: (service, kind, seconds) => metrics.connectorCall(service, kind, seconds),
      },
    }),
  );
}

/** Approvals (ADR 0014): their repository, and the approvers' webhook when one is configured. */
function approvalPorts({
  config,
  store,
  log,
  metrics,
}: ProtocolParts): Pick<OAuthContext, 'approvals' | 'announceApproval'> {
  return {
    approvals: createApprovalRepo(store.db),
    ...(config.approvalWebhook === undefined
      ? {}
      : {
          announceApproval: createApprovalWebhook({
            ...config.approvalWebhook,
            log,
            onFailure: () => metrics.approvalWebhookFailure(),
          }),
        }),
  };
}

/** RFC 7591 registration and Client ID Metadata Documents; its lookup resolves all clients. */
function selfRegistrationOf({ config, store, now, log, metrics }: ProtocolParts) {
  const clientCache = cachedLookup(
    (id) => store.clients.get(id) as Promise<OAuthClient | undefined>,
    LOOKUP_CACHE_MS,
  );
  return createSelfRegistration({
    settings: config.clientRegistration,
    repo: store.clients,
    get: (id) => clientCache.get(id) as Promise<ClientRecord | undefined>,
    now,
    log,
    observeFetch: (target, outcome) => metrics.cimdFetch(target, outcome),
  });
}

/** Verifies access tokens: Mandate's own (revocation read from the store) and trusted issuers'. */
function tokenVerifierOf({ config, keys, store, now }: ProtocolParts, issuers: OAuthContext['issuers']) {
  return createTokenVerifier({
    issuer: config.issuer,
    selfKeys: () => keys.signing.publicKeys(),
    issuers,
    clockSkew: config.clockSkew,
    now,
    isRevoked: async (jti) => (await getIssuedToken(store.db, jti))?.revoked_at !== undefined,
  });
}

export function buildProtocol(parts: ProtocolParts): Built<Protocol> {
  const { config, log, now, store, keys } = parts;
  const { db } = store;
  const replay = instrumentReplay(createReplayStore(db), parts.metrics);
  const dpop = dpopProofs(parts, replay);
  const selfRegistration = selfRegistrationOf(parts);
  const issuers = cachedLookup(
    (iss) => store.issuers.get(iss) as Promise<TrustedIssuer | undefined>,
    LOOKUP_CACHE_MS,
  );
  const firstHop = createFirstHopService({ config, db, kek: keys.kek, now, log });
  const ctx: FirstHopContext = {
    issuer: config.issuer,
    endpoints: endpointUrls(config.issuer),
    clients: selfRegistration.lookup,
    tokens: tokenVerifierOf(parts, issuers),
    issuers,
    decisions: parts.decisions,
    signer: keys.signing,
    mint: buildMint(parts),
    // The ID-JAG's own mint gets the same token.sign span.
    decorateMint: traceMint,
    audit: parts.audit,
    replay,
    ...dpop.ports,
    maxTokenTtl: config.tokenTtl,
    clockSkew: config.clockSkew,
    now,
    log,
    workloads: workloadTrust(workloadIssuers(config.file)),
    rateLimits: buildRateLimits(config, db, log, parts.metrics),
    ...approvalPorts(parts),
    firstHop: firstHop.firstHop,
  };
  const introspection: IntrospectionPorts = {
    selfKeys: () => keys.signing.publicKeys(),
    issuedToken: (jti) => getIssuedToken(db, jti),
    refreshToken: refreshTokenViews(firstHop.firstHop.grants),
  };
  return {
    value: {
      ctx,
      grants: grantRegistry({ firstHop: firstHop.firstHop }),
      dpopAlgorithms: [...dpop.algorithms],
      register: selfRegistration.register,
      introspection,
      firstHop: { ...firstHop.http, ports: firstHop.firstHop },
    },
    close: () => selfRegistration.stop(),
  };
}
