-- The dashboard: per minute, the active users, their views, the average
-- time on a page and the busiest user.
SELECT to_char(window_start AT TIME ZONE 'UTC', 'HH24:MI') AS minute,
       count(*) AS users,
       sum(views) AS views,
       round(sum(dwell_ms) / 1000.0 / sum(views), 1) AS avg_dwell_s,
       (array_agg(user_id ORDER BY views DESC, user_id))[1] AS busiest
FROM page_minutes
GROUP BY window_start
ORDER BY window_start;
