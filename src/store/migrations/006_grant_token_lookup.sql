-- Revocation status of an access token is its own revocation OR its grant's (a replayed code or a
-- reused refresh token revokes the grant, possibly before the token's issuance record is written):
-- looked up by jti on every exchange of a Mandate-issued subject token and every introspection.
CREATE INDEX IF NOT EXISTS grant_access_tokens_jti_idx ON grant_access_tokens (jti);
