/**
 * One connector per configured service of a downstream kind (`mandate` needs none: Mandate mints),
 * each retried once with the new key when the downstream server refuses it just after a rotation.
 */
import type { ConnectorKeyStore } from '../../keys/connector-keys.js';
import type { Signer } from '../tokens/mint-access-token.js';
import { DownstreamRefusal, type Connector, type ConnectorSettings } from './downstream.js';
import { idJagConnector } from './id-jag.js';
import { jwtBearerConnector } from './jwt-bearer-connector.js';
import { salesforceConnector } from './salesforce.js';

export interface ConnectorDeps {
  /** Mandate's issuer (a `jwt-bearer` assertion's default `iss`). */
  issuer: string;
  keys: Pick<ConnectorKeyStore, 'signingKey'> & Partial<Pick<ConnectorKeyStore, 'refresh'>>;
  /** Mandate's own signing key, which signs the ID-JAGs of `id-jag` connectors. */
  signer: Signer;
}

/**
 * A refusal may be the downstream server no longer taking the key this instance still holds: the
 * SaaS was given the next key and `mandate connectors rotate` ran (docs/connectors.md, Keys; a
 * Salesforce connected app holds one certificate). The keys are re-read at once (concurrent
 * refusals share one re-read) and, when the service's active key changed, the request is made
 * once more with the new key; otherwise the refusal stands. Outages are not retried here.
 */
function retriedAfterRotation(connector: Connector, keys: ConnectorDeps['keys']): Connector {
  const { refresh } = keys;
  if (refresh === undefined) return connector;
  const { service } = connector.config;
  let reading: Promise<void> | undefined;
  const reread = () =>
    (reading ??= refresh()
      .catch(() => undefined)
      .finally(() => (reading = undefined)));
  return {
    config: connector.config,
    async obtain(ask) {
      const kid = keys.signingKey(service).kid;
      try {
        return await connector.obtain(ask);
      } catch (err) {
        if (!(err instanceof DownstreamRefusal)) throw err;
        await reread();
        if (keys.signingKey(service).kid === kid) throw err;
        return connector.obtain(ask);
      }
    },
  };
}

export function createConnectors(configs: readonly ConnectorSettings[], deps: ConnectorDeps): Connector[] {
  const out: Connector[] = [];
  for (const c of configs) {
    const key = () => deps.keys.signingKey(c.service);
    if (c.kind === 'salesforce') out.push(salesforceConnector(c, key));
    else if (c.kind === 'jwt-bearer') out.push(jwtBearerConnector(c, deps.issuer, key));
    else if (c.kind === 'id-jag') out.push(idJagConnector(c, deps.issuer, deps.signer, key));
  }
  return out.map((c) => retriedAfterRotation(c, deps.keys));
}
