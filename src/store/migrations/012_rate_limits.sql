-- Rate-limit counters (issue 14 §4, ADR 0010): one row per limit and key (a client id, a client
-- address), its fixed window and the requests counted in it, shared by every instance. UNLOGGED:
-- a counter is worth less than the WAL flush a logged write costs on every request; a crash or a
-- failover to a standby (unlogged tables are not replicated) only resets the current windows.
-- Windows are in the database's clock (epoch seconds), so instances with skewed clocks agree.
CREATE UNLOGGED TABLE rate_limits (
  name text NOT NULL,
  key text NOT NULL,
  window_start bigint NOT NULL,
  expires_at bigint NOT NULL,
  hits integer NOT NULL,
  PRIMARY KEY (name, key)
);
CREATE INDEX rate_limits_expires_idx ON rate_limits (expires_at);
