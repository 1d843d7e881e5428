-- The table pg_dashboard.flow upserts into: one row per user and minute.
CREATE TABLE page_minutes (
  user_id        text,
  window_start   timestamptz,
  window_end     timestamptz,
  views          int8,
  dwell_ms       int8,
  distinct_pages int8,
  last_page      text,
  PRIMARY KEY (user_id, window_start)
);
