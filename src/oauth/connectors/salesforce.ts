/**
 * Salesforce's OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration: a JWT with header
 * `{"alg":"RS256"}` and claims `iss` (the connected app's consumer key), `sub` (the user's
 * Salesforce username, the policy's `downstream_subject`), `aud` (the login host:
 * `https://login.salesforce.com`, `https://test.salesforce.com` or a My Domain login URL) and `exp`
 * (within 3 minutes), signed with the key whose certificate the connected app holds, POSTed as
 * `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=…` to
 * `<login_url>/services/oauth2/token`. The answer (`access_token`, `scope`, `instance_url`, `id`,
 * `token_type`) has no `expires_in`: the token lives for the connected app's session timeout, which
 * the connector's `token_lifetime_seconds` states. No refresh token is issued in this flow.
 */
import type { ConnectorSigningKey } from '../../keys/connector-keys.js';
import { signRs256 } from '../tokens/sign-jws.js';
import { assertionClaims, JWT_BEARER_GRANT } from './assertion.js';
import type { Connector, ConnectorSettings } from './downstream.js';
import { requestToken } from './request-token.js';

export const SALESFORCE_LOGIN_URL = 'https://login.salesforce.com';
/** What a Salesforce client needs beside the token: the instance to call and the identity URL. */
const SALESFORCE_PASS_THROUGH = ['instance_url', 'id'];

export function salesforceConnector(config: ConnectorSettings, key: () => ConnectorSigningKey): Connector {
  const login = (config.login_url ?? SALESFORCE_LOGIN_URL).replace(/\/+$/, '');
  const passThrough = [...new Set([...SALESFORCE_PASS_THROUGH, ...config.pass_through])];
  return {
    config,
    async obtain(ask) {
      const claims = assertionClaims(
        config.consumer_key!,
        ask.subject,
        login,
        ask.now,
        config.assertion_ttl_seconds,
      );
      const { iss, sub, aud, exp } = claims; // Salesforce's documented claim set, nothing more
      return requestToken({
        url: `${login}/services/oauth2/token`,
        params: {
          grant_type: JWT_BEARER_GRANT,
          assertion: signRs256({}, { iss, sub, aud, exp }, key().privateKey),
        },
        timeoutMs: config.timeout_ms,
        defaultLifetime: config.token_lifetime_seconds,
        passThrough,
      });
    },
  };
}
