-- Downstream connectors' assertion signing keys (issue 16, ADR 0013): one key lifecycle per
-- connector service (next → active → retired), private parts sealed under the KEK like
-- signing_keys, with the self-signed X.509 certificate a SaaS registers (Salesforce's connected app).
CREATE TABLE connector_keys (
  service text NOT NULL,
  kid text NOT NULL,
  alg text NOT NULL,
  public_jwk jsonb NOT NULL,
  private_enc text NOT NULL,
  certificate_pem text NOT NULL,
  state text NOT NULL CHECK (state IN ('next', 'active', 'retired')),
  created_at bigint NOT NULL,
  activated_at bigint NULL,
  retired_at bigint NULL,
  PRIMARY KEY (service, kid)
);
-- At most one active and one next key per service, whatever concurrent rotations try.
CREATE UNIQUE INDEX connector_keys_one_per_live_state ON connector_keys (service, state)
  WHERE state IN ('active', 'next');
