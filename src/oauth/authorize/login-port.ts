/**
 * What the authorization endpoint needs from the login layer (src/federation): the user's login
 * session, a way to send them to the IdP and back, and CSRF tokens for the consent form.
 */
import type { SubjectAttributes } from '../../store/subjects.js';

export interface LoginSession {
  /** Session id: binds consent forms (CSRF) to this session. */
  sid: string;
  subject: SubjectAttributes;
  /** When the user authenticated at the IdP (epoch seconds), OIDC Core §2 `auth_time`. */
  authTime: number;
}

export interface LoginPort {
  session(cookieHeader: string | undefined): LoginSession | undefined;
  /**
   * Starts a login at the IdP that returns to `returnTo` (the authorization request's query);
   * `forceLogin` asks the IdP to authenticate the user again (OIDC Core §3.1.2.1 `prompt=login`);
   * `returnUrl` (a page of Mandate's own, e.g. an approval page) is where to go after it instead.
   */
  begin(
    returnTo: string,
    opts?: { forceLogin?: boolean; returnUrl?: string },
  ): Promise<{ location: string; cookies: string[] }>;
  csrfToken(sid: string): string;
  /** Seals the authorization request's query for the consent form, bound to the session. */
  sealRequest(sid: string, query: string): string;
  openRequest(sealed: string): { sid: string; query: string } | undefined;
  csrfValid(sid: string, token: string): boolean;
}
