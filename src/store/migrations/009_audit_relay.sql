-- The relay publishes by high-water mark (docs/audit.md, Relay): one row per destination says up
-- to which event it has delivered (`sequence`, with that event's `hash`) and where the destination
-- then ended (`position`: the JetStream stream sequence, or the file's size in bytes). The relay
-- locks this row for each batch, so one relay at a time appends, strictly in sequence order, and
-- it moves the row once per batch instead of updating every outbox row.
CREATE TABLE IF NOT EXISTS audit_relay (
  target     text        PRIMARY KEY,
  sequence   bigint      NOT NULL,
  hash       text        NOT NULL,
  position   bigint      NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- published_at was the per-row mark of the previous relay (it cost an index entry on every insert
-- and an update of every row). Dropping it also stops relays of earlier versions during a rolling
-- upgrade (their queries name it), so that only relays that check the stream's tail publish.
DROP INDEX IF EXISTS outbox_unpublished;
ALTER TABLE outbox DROP COLUMN IF EXISTS published_at;
