/**
 * The ports of the first hop (AI client → MCP server): the protected-resource registry, the
 * stores of codes, grants, consents and subjects, and the lifetimes. Part of the OAuthContext when
 * the service runs the authorization endpoint.
 */
import type { AuthorizationCodeRepo } from '../store/authorization-codes.js';
import type { ConsentRepo } from '../store/consents.js';
import type { GrantRepo } from '../store/grants.js';
import type { SubjectRepo } from '../store/subjects.js';
import type { ResourceRegistry } from './protected-resources.js';

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
