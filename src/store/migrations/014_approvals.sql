-- Deferred decisions (issue 17 §1, ADR 0014): a token exchange the policy allowed on condition that a
-- person approves it, waiting as an OpenID CIBA poll-mode request. The row keeps the whole decision
-- input and the decision, and what the issued token must carry, so that the token issued after the
-- approval is exactly what was asked for and decided, and nothing more.
CREATE TABLE approvals (
  -- The approval page's id (/approvals/<id>): shown to approvers, never enough to poll.
  id text PRIMARY KEY,
  -- base64url(SHA-256(auth_req_id)): the poller's bearer handle, a 256-bit random value.
  auth_req_id_hash text NOT NULL UNIQUE,
  -- The client that asked (the MCP server): only it may poll (CIBA §10.1).
  client_id text NOT NULL,
  -- The subject on whose behalf it asks (the user), and its issuer.
  sub text NOT NULL,
  iss text NOT NULL,
  -- The policy's require_approval obligation: { binding_message, approvers?, ttl_seconds }.
  obligation jsonb NOT NULL,
  -- The client's own binding_message (CIBA §7.1), if it sent one.
  client_binding_message text NULL,
  -- The decision input and the decision (id, scopes, ttl, reasons, obligations, bundle).
  input jsonb NOT NULL,
  decision jsonb NOT NULL,
  -- What issuance needs beyond the decision: audience, act chain, DPoP key, token type, lineage.
  issuance jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'issued')),
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  -- Poll mode (CIBA §7.3): the least interval between polls; slow_down raises it by 5 s.
  poll_interval integer NOT NULL,
  last_polled_at bigint NULL,
  -- Who approved or denied, with the groups they held then, and when.
  decided_by jsonb NULL,
  decided_at bigint NULL,
  issued_at bigint NULL
);
CREATE INDEX approvals_expires_idx ON approvals (expires_at);
-- The approvals a person is asked about: by subject, newest first.
CREATE INDEX approvals_subject_idx ON approvals (iss, sub, created_at DESC);
