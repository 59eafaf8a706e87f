/** Token type identifiers (RFC 8693 §3) and grant type URNs: shared with the MCP server kit. */
import { TokenType } from '@mandate/mcp-kit';

export { GrantType, TokenType } from '@mandate/mcp-kit';

export type TokenTypeUri = (typeof TokenType)[keyof typeof TokenType];

/** The short names used in configuration (`token_types`) for each URI. */
export const tokenTypeName: Record<string, 'access_token' | 'id_token' | 'jwt' | undefined> = {
  [TokenType.accessToken]: 'access_token',
  [TokenType.idToken]: 'id_token',
  [TokenType.jwt]: 'jwt',
};
