-- Audit outbox and hash-chain head (docs/audit.md, design.md "Audit and decision stream").
-- Events are written here in the same transaction as the state they record; the relay publishes
-- them to JetStream and sets published_at only after the stream acknowledged them.

CREATE TABLE IF NOT EXISTS audit_chain_head (
  id       smallint PRIMARY KEY CHECK (id = 1),
  sequence bigint   NOT NULL,
  hash     text     NOT NULL
);
-- The one row every writer locks FOR UPDATE: sequence 0 and the genesis hash (64 zeros).
INSERT INTO audit_chain_head (id, sequence, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000')
ON CONFLICT (id) DO NOTHING;

-- `event` is the sealed CloudEvent as its canonical JSON text (RFC 8785): type json, not jsonb, so
-- Postgres keeps the bytes as written and the relay publishes them unchanged, with no parse or
-- re-serialization on either side; `->`/`->>` still work for ad-hoc queries. `subject` is the NATS
-- subject below the prefix (decision.<action>, token.<event>). prev_hash and hash repeat the
-- event's prevhash and hash extension attributes so that the chain can be checked with SQL alone.
CREATE TABLE IF NOT EXISTS outbox (
  sequence     bigint      PRIMARY KEY,
  id           uuid        NOT NULL UNIQUE,
  subject      text        NOT NULL,
  event        json        NOT NULL,
  prev_hash    text        NOT NULL,
  hash         text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);

-- The relay's claim query scans only what is still to publish, in sequence order.
CREATE INDEX IF NOT EXISTS outbox_unpublished ON outbox (sequence) WHERE published_at IS NULL;
