/** The grant registry the token endpoint dispatches through. Adding a grant = adding a file here. */
import { authorizationCode } from './authorization-code.js';
import type { Grant } from './grant.js';
import { jwtBearer } from './jwt-bearer.js';
import { refreshToken } from './refresh-token.js';
import { tokenExchange } from './token-exchange.js';

export const grants: ReadonlyMap<string, Grant> = new Map(
  [tokenExchange, jwtBearer, authorizationCode, refreshToken].map((g) => [g.grantType, g]),
);
