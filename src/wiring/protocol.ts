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
import { createReplayStore } from '../store/replay.js';
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

export function buildProtocol(parts: ProtocolParts): Built<Protocol> {
  const { config, log, now, store, keys } = parts;
  const { db } = store;
  const replay = instrumentReplay(createReplayStore(db), parts.metrics);
  const nonceSecret = new Uint8Array(hkdfSync('sha256', keys.kek, 'mandate', 'dpop-nonce', 32));
  const nonces = createNonceService({ secret: nonceSecret });
  const dpop = createDpopVerifier({ replay, nonces, requireNonce: config.dpopRequireNonce });
  const clientCache = cachedLookup(
    (id) => store.clients.get(id) as Promise<OAuthClient | undefined>,
    LOOKUP_CACHE_MS,
  );
  // RFC 7591 registration and Client ID Metadata Documents; ctx.clients resolves all clients.
  const selfRegistration = createSelfRegistration({
    settings: config.clientRegistration,
    repo: store.clients,
    get: (id) => clientCache.get(id) as Promise<ClientRecord | undefined>,
    now,
    log,
    observeFetch: (target, outcome) => parts.metrics.cimdFetch(target, outcome),
  });
  const issuers = cachedLookup(
    (iss) => store.issuers.get(iss) as Promise<TrustedIssuer | undefined>,
    LOOKUP_CACHE_MS,
  );
  const firstHop = createFirstHopService({ config, db, kek: keys.kek, now, log });
  const ctx: FirstHopContext = {
    issuer: config.issuer,
    endpoints: endpointUrls(config.issuer),
    clients: selfRegistration.lookup,
    tokens: createTokenVerifier({
      issuer: config.issuer,
      selfKeys: () => keys.signing.publicKeys(),
      issuers,
      clockSkew: config.clockSkew,
      now,
      isRevoked: async (jti) => (await getIssuedToken(db, jti))?.revoked_at !== undefined,
    }),
    issuers,
    decisions: parts.decisions,
    signer: keys.signing,
    // Connector-backed services' tokens come from their own authorization servers (ADR 0013).
    // One token.sign span whichever mints: Mandate's signing, or a connector's (its downstream call too).
    mint: traceMint(
      connectorMint({
        connectors: createConnectors(config.file.connectors, {
          issuer: config.issuer,
          keys: keys.connectors,
          signer: keys.signing,
        }),
        fallback: mandateMint(keys.signing),
        log,
        observe: {
          request: (service, kind, outcome) => parts.metrics.connectorRequest(service, kind, outcome),
          call: (service, kind, seconds) => parts.metrics.connectorCall(service, kind, seconds),
        },
      }),
    ),
    audit: parts.audit,
    replay,
    proof: async (req) =>
      req.dpop.length === 0
        ? undefined
        : (await dpop.verify({ headers: req.dpop, method: req.method, url: req.url, now: now() })).jkt,
    ...(config.dpopRequireNonce ? { dpopNonce: () => nonces.issue(now()) } : {}),
    maxTokenTtl: config.tokenTtl,
    clockSkew: config.clockSkew,
    now,
    log,
    workloads: workloadTrust(workloadIssuers(config.file)),
    rateLimits: buildRateLimits(config, db, log, parts.metrics),
    approvals: createApprovalRepo(db),
    ...(config.approvalWebhook === undefined
      ? {}
      : {
          announceApproval: createApprovalWebhook({
            ...config.approvalWebhook,
            log,
            onFailure: () => parts.metrics.approvalWebhookFailure(),
          }),
        }),
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
