/**
 * The ports of the first hop (AI client → MCP server): the protected-resource registry, the
 * stores of codes, grants, consents and subjects, and the lifetimes, given where the service runs the
 * authorization endpoint.
 */
import type { AuthorizationCodeRepo } from '../store/authorization-codes.js';
import type { ConsentRepo } from '../store/consents.js';
import type { GrantRepo } from '../store/grants.js';
import type { SubjectRepo } from '../store/subjects.js';
import type { OAuthContext } from './context.js';
import type { ResourceRegistry } from './protected-resources.js';

/** The first hop's ports and settings. */
export interface FirstHop {
  resources: ResourceRegistry;
  codes: AuthorizationCodeRepo;
  grants: GrantRepo;
  consents: ConsentRepo;
  subjects: SubjectRepo;
  /** Marks an access token revoked in `issued_tokens` (store/tokens.ts revokeToken). */
  revokeAccessToken(jti: string, at: number): Promise<boolean>;
  /** First-hop access-token lifetime (seconds). */
  accessTokenTtl: number;
  /** Absolute lifetime of a refresh-token family (seconds). */
  refreshTokenTtl: number;
  /** Seconds a rotated refresh token still yields its successor. */
  refreshGrace: number;
  authCodeTtl: number;
}

/**
 * The context of the first hop's endpoints (authorization, consent, revocation): the core's with
 * the first hop's ports, typed, where the service runs the authorization endpoint. The first-hop
 * grants get the same ports from the grant registry (grants/index.ts).
 */
export type FirstHopContext = OAuthContext & { readonly firstHop: FirstHop };
