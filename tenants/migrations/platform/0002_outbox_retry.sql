-- The relay's per-row back-off: a row whose publish failed for a reason of its own (not
-- "Redis is down", which backs off the whole relay) waits until next_attempt_at.
ALTER TABLE outbox ADD COLUMN next_attempt_at timestamptz;
