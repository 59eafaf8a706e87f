-- First hop (design.md "Three layers, two hops"): authorization codes, grants (refresh-token
-- families), refresh tokens, consents and the latest attributes seen for each user at login.
-- Codes and refresh tokens are stored only as base64url(SHA-256(value)): they are 256-bit random
-- values, so a fast hash is enough and a database leak yields nothing usable.

-- One row per authorization code (RFC 6749 §4.1.2), with everything the token request is checked
-- against and everything the issued tokens carry.
CREATE TABLE IF NOT EXISTS authorization_codes (
  code_hash text PRIMARY KEY,
  -- The grant the code starts; a replayed code revokes it (RFC 6749 §10.5).
  grant_id text NOT NULL,
  client_id text NOT NULL,
  redirect_uri text NOT NULL,
  code_challenge text NOT NULL,
  resource text NOT NULL,
  scope text NOT NULL,
  -- { sub, iss, groups, claims }: the subject attributes policy saw at authorization.
  subject jsonb NOT NULL,
  auth_time bigint NOT NULL,
  dpop_jkt text NULL,
  decision_id text NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  consumed_at bigint NULL,
  -- Set by a second redemption; the first redemption refuses to finish when it is set.
  replayed_at bigint NULL
);
CREATE INDEX IF NOT EXISTS authorization_codes_expires_idx ON authorization_codes (expires_at);

-- A grant: what one authorization allowed a client, and the refresh-token family that carries it.
CREATE TABLE IF NOT EXISTS grants (
  grant_id text PRIMARY KEY,
  client_id text NOT NULL,
  sub text NOT NULL,
  iss text NOT NULL,
  -- The audience is fixed at authorization (RFC 8707 §2.2: a refresh never widens it).
  resource text NOT NULL,
  -- The scopes consented to; a refresh may only narrow them (RFC 6749 §6).
  scope text NOT NULL,
  auth_time bigint NOT NULL,
  -- Refresh tokens of public clients are bound to this DPoP key (RFC 9449 §5).
  dpop_jkt text NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  revoked_at bigint NULL,
  revoked_reason text NULL
);
CREATE INDEX IF NOT EXISTS grants_subject_idx ON grants (iss, sub);

-- Refresh tokens of a family. Rotation is a compare-and-swap on `rotated_at IS NULL`; the winner
-- stores its response sealed under a key derived from the rotated token itself, so a concurrent or
-- retried refresh inside the grace window gets the same successor and nobody else can read it.
CREATE TABLE IF NOT EXISTS refresh_tokens (
  token_hash text PRIMARY KEY,
  grant_id text NOT NULL REFERENCES grants (grant_id) ON DELETE CASCADE,
  scope text NOT NULL,
  created_at bigint NOT NULL,
  rotated_at bigint NULL,
  successor_hash text NULL,
  successor_sealed text NULL
);
CREATE INDEX IF NOT EXISTS refresh_tokens_grant_idx ON refresh_tokens (grant_id);

-- Access tokens issued under a grant, so that revoking the grant revokes them in issued_tokens.
CREATE TABLE IF NOT EXISTS grant_access_tokens (
  grant_id text NOT NULL REFERENCES grants (grant_id) ON DELETE CASCADE,
  jti text NOT NULL,
  exp bigint NOT NULL,
  PRIMARY KEY (grant_id, jti)
);

-- Consent, remembered per user, client and resource: the scopes the user agreed to.
CREATE TABLE IF NOT EXISTS consents (
  iss text NOT NULL,
  sub text NOT NULL,
  client_id text NOT NULL,
  resource text NOT NULL,
  scope text NOT NULL,
  granted_at bigint NOT NULL,
  PRIMARY KEY (iss, sub, client_id, resource)
);

-- The latest attributes of each user, updated at every login: the `refresh` decision is made on
-- these, so that a user removed from a group loses its scopes at the next refresh after a login
-- anywhere (or after an administrator updates the row).
CREATE TABLE IF NOT EXISTS subjects (
  iss text NOT NULL,
  sub text NOT NULL,
  groups text[] NOT NULL DEFAULT '{}',
  claims jsonb NOT NULL DEFAULT '{}',
  updated_at bigint NOT NULL,
  PRIMARY KEY (iss, sub)
);
