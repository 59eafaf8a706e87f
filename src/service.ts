/**
 * Builds a running Mandate from its configuration: store, keys, policy, audit, protocol core and
 * HTTP app, and says at start-up which of each it is using. `main.ts` listens; tests call this too.
 */
import { hkdfSync } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createOutboxAudit } from './audit/outbox.js';
import { createRelay } from './audit/relay.js';
import type { AuditPort } from './audit/port.js';
import type { Config } from './config/index.js';
import { clientRecords, issuerRecords } from './config/records.js';
import { createFirstHopService } from './first-hop-service.js';
import { createApp } from './http/app.js';
import { resolveKek } from './keys/kek.js';
import { createKeyStore } from './keys/keystore.js';
import type { Logger } from './log.js';
import { cachedLookup } from './oauth/clients/cached-lookup.js';
import type { OAuthClient } from './oauth/clients/client.js';
import type { OAuthContext } from './oauth/context.js';
import { createDpopVerifier } from './oauth/dpop/proof-verifier.js';
import { refreshTokenViews } from './oauth/endpoints/refresh-introspection.js';
import { createSelfRegistration } from './oauth/clients/self-registration.js';
import type { ClientRecord } from './store/clients.js';
import { getIssuedToken } from './store/tokens.js';
import { createNonceService } from './oauth/dpop/dpop-nonce.js';
import { createTokenVerifier, type TrustedIssuer } from './oauth/tokens/token-verifier.js';
import { createDecisionService } from './policy/engine.js';
import { policyReadiness } from './policy/status.js';
import { createClientRepo } from './store/clients.js';
import { startHousekeeping } from './store/housekeeping.js';
import { openDb } from './store/index.js';
import { createIssuerRepo } from './store/issuers.js';
import { createReplayStore } from './store/replay.js';

export interface Service {
  app: FastifyInstance;
  ctx: OAuthContext;
  close(): Promise<void>;
  /** Graceful stop (SIGTERM): drain the HTTP server (src/http/drain.ts), then close. */
  shutdown(opts: { quietMs: number; timeoutMs: number }): Promise<{ timedOut: boolean; inFlight: number }>;
}

export interface ServiceOverrides {
  now?: () => number;
  audit?: AuditPort;
  env?: Record<string, string | undefined>;
}

const LOOKUP_CACHE_MS = 5_000;

export async function createService(
  config: Config,
  log: Logger,
  overrides: ServiceOverrides = {},
): Promise<Service> {
  const now = overrides.now ?? (() => Math.floor(Date.now() / 1000));
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c();
  };
  try {
    const db = await openDb({
      ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
      dataDir: config.dataDir,
      log,
      postgres: config.database,
      replication: config.database.asyncReplication,
    });
    closers.push(() => db.close());

    const clients = createClientRepo(db);
    const issuers = createIssuerRepo(db);
    const synced = await clients.syncFromConfig(
      clientRecords(config.file, overrides.env ?? process.env, now()),
    );
    const syncedIssuers = await issuers.syncFromConfig(issuerRecords(config.file));
    if (config.demoConfig)
      log.warn(
        'config: MANDATE_CONFIG is unset, so the demo clients of examples/mandate.json are loaded (localhost only)',
        {
          file: config.configPath,
        },
      );
    log.info('config: clients and trusted issuers synced', {
      file: config.configPath ?? '(none)',
      clients: synced,
      issuers: syncedIssuers,
    });

    const kek = await resolveKek(config.kek, config.dataDir, log);
    const keys = await createKeyStore({ db, kek, maxTokenTtlSeconds: config.tokenTtl, log });
    closers.push(() => keys.close());

    const decisions = await createDecisionService({
      bundlePath: config.policyBundle,
      ...(config.policyPublicKey === undefined ? {} : { verificationKey: config.policyPublicKey }),
      log,
      watch: true,
    });
    closers.push(() => decisions.close());

    let audit = overrides.audit;
    let relayStats: (() => Promise<Record<string, unknown>>) | undefined;
    if (audit === undefined) {
      audit = createOutboxAudit({ db, source: config.issuer, log });
      const relay = createRelay({
        db,
        log,
        ...(config.natsUrl === undefined
          ? { file: `${config.dataDir}/audit.jsonl` }
          : {
              nats: {
                servers: config.natsUrl,
                stream: config.auditStream.name,
                subjectPrefix: config.auditStream.subjectPrefix,
                maxAgeSeconds: config.auditStream.maxAgeSeconds,
                replicas: config.auditStream.replicas,
                ...config.natsClient,
              },
            }),
        statusTimeoutMs: config.database.timeouts.healthMs,
      });
      relay.start();
      // The backlog as the database says it is now (bounded like the readiness probe).
      relayStats = async () => ({ audit_relay: await relay.status() });
      closers.push(() => relay.stop());
      log.info(
        config.natsUrl === undefined
          ? 'audit: relaying to a JSON-lines file (set NATS_URL for JetStream)'
          : 'audit: relaying to NATS JetStream',
        {
          target: config.natsUrl ?? `${config.dataDir}/audit.jsonl`,
        },
      );
    }
    closers.push(() => audit.close());

    const housekeeping = startHousekeeping({ db, log, now });
    closers.push(() => housekeeping.stop());

    const replay = createReplayStore(db);
    const nonceSecret = new Uint8Array(hkdfSync('sha256', kek, 'mandate', 'dpop-nonce', 32));
    const nonces = createNonceService({ secret: nonceSecret });
    const dpop = createDpopVerifier({ replay, nonces, requireNonce: config.dpopRequireNonce });
    const clientCache = cachedLookup(
      (id) => clients.get(id) as Promise<OAuthClient | undefined>,
      LOOKUP_CACHE_MS,
    );
    // RFC 7591 registration and Client ID Metadata Documents; ctx.clients resolves all clients.
    const selfRegistration = createSelfRegistration({
      settings: config.clientRegistration,
      repo: clients,
      get: (id) => clientCache.get(id) as Promise<ClientRecord | undefined>,
      now,
      log,
    });
    closers.push(() => selfRegistration.stop());
    const issuerCache = cachedLookup(
      (iss) => issuers.get(iss) as Promise<TrustedIssuer | undefined>,
      LOOKUP_CACHE_MS,
    );

    const firstHop = createFirstHopService({ config, db, kek, now, log });
    const ctx: OAuthContext = {
      issuer: config.issuer,
      tokenEndpoint: `${config.issuer}/token`,
      clients: selfRegistration.lookup,
      tokens: createTokenVerifier({
        issuer: config.issuer,
        selfKeys: () => keys.publicKeys(),
        issuers: issuerCache,
        clockSkew: config.clockSkew,
        now,
        isRevoked: async (jti) => (await getIssuedToken(db, jti))?.revoked_at !== undefined,
      }),
      issuers: issuerCache,
      decisions,
      signer: keys,
      audit,
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
      firstHop: firstHop.firstHop,
    };

    const app = createApp({
      ctx,
      log,
      jwks: () => keys.jwks(),
      dpopAlgorithms: [...dpop.algorithms],
      register: selfRegistration.register,
      clientIdMetadataDocuments: true,
      firstHop: firstHop.http,
      introspection: {
        issuer: config.issuer,
        assertionAudiences: [config.issuer, `${config.issuer}/token`, `${config.issuer}/introspect`],
        selfKeys: () => keys.publicKeys(),
        issuedToken: (jti) => getIssuedToken(db, jti),
        refreshToken: refreshTokenViews(firstHop.firstHop.grants),
        clients: selfRegistration.lookup,
        replay,
        clockSkew: config.clockSkew,
        now,
      },
      readiness: async () => {
        // Bounded (MANDATE_DB_HEALTH_TIMEOUT_MS), and ok only when the database accepts writes.
        const probe = await db.probe();
        return {
          database: { ok: probe.state === 'writable', detail: probe.detail },
          keys: { ok: keys.jwks().keys.length > 0 },
          policy: policyReadiness(decisions.ready(), decisions.status()),
        };
      },
      ...(relayStats === undefined ? {} : { metrics: relayStats }),
    });
    closers.push(() => app.close());
    const shutdown = async (opts: { quietMs: number; timeoutMs: number }) => {
      app.drain.begin();
      const drained = await app.drain.settled(opts);
      await close();
      return drained;
    };
    return { app, ctx, close, shutdown };
  } catch (err) {
    await close();
    throw err;
  }
}
