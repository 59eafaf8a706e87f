/** The grant registry the token endpoint dispatches through. Adding a grant = adding a file here. */
import type { Grant } from './grant.js';
import { jwtBearer } from './jwt-bearer.js';
import { tokenExchange } from './token-exchange.js';

export const grants: ReadonlyMap<string, Grant> = new Map(
  [tokenExchange, jwtBearer].map((g) => [g.grantType, g]),
);
