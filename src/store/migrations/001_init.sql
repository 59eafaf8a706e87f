-- Initial schema (design.md, State). Times are epoch seconds in bigint columns, like the `iat`/`exp`
-- claims they sit beside, so that every component compares them against one injected clock.

-- OAuth clients: from configuration, RFC 7591 dynamic registration, or Client ID Metadata Documents.
CREATE TABLE clients (
  client_id text PRIMARY KEY,
  client_name text NOT NULL,
  secret_hash text NULL,
  token_endpoint_auth_method text NOT NULL
    CHECK (token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none')),
  jwks jsonb NULL,
  jwks_uri text NULL,
  grant_types text[] NOT NULL DEFAULT '{}',
  -- Resource identifiers (RFC 8707) this client answers to as a resource server, e.g. an MCP
  -- server's URL: a subject token whose aud names one of them was issued to this client.
  audiences text[] NOT NULL DEFAULT '{}',
  redirect_uris text[] NOT NULL DEFAULT '{}',
  scope text NULL,
  trust text NOT NULL CHECK (trust IN ('registered', 'cimd', 'dynamic')),
  source text NOT NULL CHECK (source IN ('config', 'dynamic', 'cimd')),
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  last_used_at bigint NULL,
  expires_at bigint NULL
);
CREATE INDEX clients_source_expires_idx ON clients (source, expires_at);

-- Upstream issuers whose tokens we accept (subject tokens, ID-JAGs, jwt-bearer assertions).
CREATE TABLE trusted_issuers (
  issuer text PRIMARY KEY,
  jwks_uri text NULL,
  jwks jsonb NULL,
  algorithms text[] NOT NULL DEFAULT '{}',
  token_types text[] NOT NULL DEFAULT '{}',
  groups_claim text NULL,
  source text NOT NULL DEFAULT 'config',
  CHECK (jwks_uri IS NOT NULL OR jwks IS NOT NULL)
);

-- Mandate's own signing keys; private parts sealed under the key-encryption key (keys/kek.ts).
CREATE TABLE signing_keys (
  kid text PRIMARY KEY,
  alg text NOT NULL,
  public_jwk jsonb NOT NULL,
  private_enc text NOT NULL,
  state text NOT NULL CHECK (state IN ('next', 'active', 'retired')),
  created_at bigint NOT NULL,
  activated_at bigint NULL,
  retired_at bigint NULL,
  expires_at bigint NULL
);
-- At most one active and one next key, whatever concurrent rotations try.
CREATE UNIQUE INDEX signing_keys_one_per_live_state ON signing_keys (state) WHERE state IN ('active', 'next');

-- Issued access tokens, for introspection and revocation, kept until they expire.
CREATE TABLE issued_tokens (
  jti text PRIMARY KEY,
  sub text NOT NULL,
  client_id text NOT NULL,
  aud text[] NOT NULL,
  scope text NOT NULL,
  iat bigint NOT NULL,
  exp bigint NOT NULL,
  act jsonb NULL,
  cnf_jkt text NULL,
  grant_type text NOT NULL,
  decision_id text NULL,
  revoked_at bigint NULL
);
CREATE INDEX issued_tokens_exp_idx ON issued_tokens (exp);

-- Single-use identifiers (DPoP proof jti, client assertion jti, ID-JAG jti) until they expire,
-- shared by every instance (RFC 9449 §11.1, RFC 7523 §3).
CREATE TABLE replay (
  namespace text NOT NULL,
  key text NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (namespace, key)
);
CREATE INDEX replay_expires_at_idx ON replay (expires_at);
