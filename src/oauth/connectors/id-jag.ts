/**
 * The Identity Assertion JWT Authorization Grant at a downstream authorization server
 * (draft-ietf-oauth-identity-assertion-authz-grant §3, §4.4): Mandate, the user's IdP, issues the
 * ID-JAG itself, signed with its own signing key (the downstream server trusts Mandate's JWKS as an
 * IdP), with `iss` Mandate, `sub` the policy's `downstream_subject`, `aud` the downstream server's
 * `issuer`, `client_id` the connector's, `resource` the service's, the granted `scope`, a `jti` and
 * a short `exp`; then redeems it at `token_endpoint` with the jwt-bearer grant, authenticated as
 * `client_id` by `private_key_jwt` signed with the connector's own key (§4.4.1: the client
 * authenticates). The ID-JAG never leaves Mandate except in that one request.
 */
import type { ConnectorSigningKey } from '../../keys/connector-keys.js';
import { ID_JAG_TYP } from '../id-jag/id-jag-profile.js';
import type { Signer } from '../tokens/mint-access-token.js';
import { signEs256 } from '../tokens/sign-jws.js';
import { assertionClaims } from './assertion.js';
import type { Connector, ConnectorSettings, DownstreamAsk } from './downstream.js';
import { requestJwtBearer } from './request-token.js';

function idJag(config: ConnectorSettings, issuer: string, signer: Signer, ask: DownstreamAsk): string {
  const registered = assertionClaims(
    issuer,
    ask.subject,
    config.issuer!,
    ask.now,
    config.assertion_ttl_seconds,
  );
  const claims = {
    ...ask.claims,
    ...registered,
    client_id: config.client_id!,
    resource: config.resource,
    scope: ask.scopes.join(' '),
  };
  const { kid, alg, privateKey } = signer.signingKey();
  return signEs256({ alg, kid, typ: ID_JAG_TYP }, claims, privateKey);
}

export function idJagConnector(
  config: ConnectorSettings,
  issuer: string,
  signer: Signer,
  key: () => ConnectorSigningKey,
): Connector {
  return {
    config,
    async obtain(ask) {
      return requestJwtBearer(config, idJag(config, issuer, signer, ask), ask, key());
    },
  };
}
