/**
 * RFC 7523 at a downstream authorization server (Workday, Ory Hydra, …): an assertion whose `iss`
 * is the connector's `issuer` (default Mandate's), `sub` the policy's `downstream_subject`, `aud` the
 * connector's `audience` (default the token endpoint, §3 item 3), a short `exp`, a `jti`, and the
 * connector's claim template; POSTed with `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`,
 * the granted scopes (`send_scope`), and, when the connector names a `client_id`, `private_key_jwt`
 * client authentication signed by the same key (§2.2).
 */
import type { ConnectorSigningKey } from '../../keys/connector-keys.js';
import { signRs256 } from '../tokens/sign-jws.js';
import { assertionClaims } from './assertion.js';
import type { Connector, ConnectorSettings, DownstreamAsk } from './downstream.js';
import { requestJwtBearer } from './request-token.js';

/** Fills `{subject}`, `{user}`, `{scope}`, `{client_id}` in every string of a claim template. */
export function fillTemplate(value: unknown, ask: DownstreamAsk): unknown {
  if (typeof value === 'string') {
    const vars: Record<string, string> = {
      subject: ask.subject,
      user: ask.user.sub,
      scope: ask.scopes.join(' '),
      client_id: ask.clientId,
    };
    return value.replace(/\{(subject|user|scope|client_id)\}/g, (_, name: string) => vars[name]!);
  }
  if (Array.isArray(value)) return value.map((v) => fillTemplate(v, ask));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillTemplate(v, ask)]));
  return value;
}

export function jwtBearerConnector(
  config: ConnectorSettings,
  issuer: string,
  key: () => ConnectorSigningKey,
): Connector {
  const endpoint = config.token_endpoint!;
  return {
    config,
    async obtain(ask) {
      const k = key();
      const template = fillTemplate(config.claims, ask) as Record<string, unknown>;
      const registered = assertionClaims(
        config.issuer ?? issuer,
        ask.subject,
        config.audience ?? endpoint,
        ask.now,
        config.assertion_ttl_seconds,
      );
      const assertion = signRs256({ kid: k.kid, typ: 'JWT' }, { ...template, ...registered }, k.privateKey);
      return requestJwtBearer(config, assertion, ask, k);
    },
  };
}
