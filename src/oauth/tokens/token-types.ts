/** Token type identifiers (RFC 8693 §3) and grant type URNs. */
export const TokenType = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  refreshToken: 'urn:ietf:params:oauth:token-type:refresh_token',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  idJag: 'urn:ietf:params:oauth:token-type:id-jag',
} as const;

export type TokenTypeUri = (typeof TokenType)[keyof typeof TokenType];

/** The short names used in configuration (`token_types`) for each URI. */
export const tokenTypeName: Record<string, 'access_token' | 'id_token' | 'jwt' | undefined> = {
  [TokenType.accessToken]: 'access_token',
  [TokenType.idToken]: 'id_token',
  [TokenType.jwt]: 'jwt',
};

export const GrantType = {
  tokenExchange: 'urn:ietf:params:oauth:grant-type:token-exchange',
  jwtBearer: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
  authorizationCode: 'authorization_code',
  refreshToken: 'refresh_token',
} as const;
