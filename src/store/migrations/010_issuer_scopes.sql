-- How a trusted issuer's tokens carry scopes (issue 10 §1): a further claim name beside scope/scp
-- (say Auth0's `permissions`), and what a token with no scope claim at all holds: nothing ('none',
-- the default) or whatever the policy grants ('policy', for an issuer configured so on purpose).
ALTER TABLE trusted_issuers ADD COLUMN scopes_claim text NULL;
ALTER TABLE trusted_issuers ADD COLUMN scopes_when_absent text NOT NULL DEFAULT 'none'
  CHECK (scopes_when_absent IN ('none', 'policy'));
