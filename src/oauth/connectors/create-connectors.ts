/**
 * One connector per configured service of a downstream kind (`mandate` needs none: Mandate mints).
 */
import type { ConnectorKeyStore } from '../../keys/connector-keys.js';
import type { Signer } from '../tokens/mint-access-token.js';
import type { Connector, ConnectorSettings } from './downstream.js';
import { idJagConnector } from './id-jag.js';
import { jwtBearerConnector } from './jwt-bearer.js';
import { salesforceConnector } from './salesforce.js';

export interface ConnectorDeps {
  /** Mandate's issuer (a `jwt-bearer` assertion's default `iss`). */
  issuer: string;
  keys: Pick<ConnectorKeyStore, 'signingKey'>;
  /** Mandate's own signing key, which signs the ID-JAGs of `id-jag` connectors. */
  signer: Signer;
}

export function createConnectors(configs: readonly ConnectorSettings[], deps: ConnectorDeps): Connector[] {
  const out: Connector[] = [];
  for (const c of configs) {
    const key = () => deps.keys.signingKey(c.service);
    if (c.kind === 'salesforce') out.push(salesforceConnector(c, key));
    else if (c.kind === 'jwt-bearer') out.push(jwtBearerConnector(c, deps.issuer, key));
    else if (c.kind === 'id-jag') out.push(idJagConnector(c, deps.issuer, deps.signer, key));
  }
  return out;
}
