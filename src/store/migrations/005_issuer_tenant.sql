-- A multi-tenant IdP signs every tenant's ID-JAGs with the same keys: the `tenant` claim
-- (draft-ietf-oauth-identity-assertion-authz-grant §3) must then name the tenant that is trusted.
ALTER TABLE trusted_issuers ADD COLUMN tenant text NULL;
