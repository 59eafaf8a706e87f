/** Token type identifiers (RFC 8693 §3; ID-JAG: draft-ietf-oauth-identity-assertion-authz-grant §4). */
export const TokenType = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  refreshToken: 'urn:ietf:params:oauth:token-type:refresh_token',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  idJag: 'urn:ietf:params:oauth:token-type:id-jag',
} as const;

/** Grant type values for `grant_type` (RFC 6749 §4.1.3, §6; RFC 7523 §2.1; RFC 8693 §2.1). */
export const GrantType = {
  tokenExchange: 'urn:ietf:params:oauth:grant-type:token-exchange',
  jwtBearer: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
  authorizationCode: 'authorization_code',
  refreshToken: 'refresh_token',
  /** OpenID CIBA Core 1.0 §10.1: redeeming an `auth_req_id` once the request is approved. */
  ciba: 'urn:openid:params:grant-type:ciba',
} as const;
