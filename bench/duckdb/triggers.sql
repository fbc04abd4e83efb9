-- The statutory triggers met on or before the last date with marks: the same rows as
--   rollcall report triggers --format csv
-- computed by DuckDB from the same files. School sessions are those with a mark other
-- than '#' for any pupil (the calendar rollcall infers without a policy).
COPY (
  WITH marks AS (
    SELECT upn, date, session, code
    FROM marks_file
  ),
  pupils AS (
    SELECT upn, row_number() OVER () AS position
    FROM read_csv('pupils.csv', header = true, all_varchar = true)
  ),
  -- Open sessions, numbered; school days and school weeks, numbered.
  open_sessions AS (
    SELECT date, session, row_number() OVER (ORDER BY date, session) AS s
    FROM (SELECT DISTINCT date, session FROM marks WHERE code <> '#')
  ),
  school_days AS (
    SELECT date, row_number() OVER (ORDER BY date) AS d FROM (SELECT DISTINCT date FROM open_sessions)
  ),
  school_weeks AS (
    SELECT monday, row_number() OVER (ORDER BY monday) AS w
    FROM (SELECT DISTINCT date_trunc('week', date) AS monday FROM school_days)
  ),
  last_day AS (SELECT max(d) AS d, max(date) AS date FROM school_days),
  classified AS (
    SELECT m.upn, m.date, m.session, m.code, o.s,
      m.code IN ('/', '\', 'L', 'K', 'V', 'P', 'W', 'B', 'C1', 'M', 'J1', 'S', 'C2', 'C', 'T', 'R', 'I', 'E', 'G', 'N', 'O', 'U') AS possible,
      m.code IN ('G', 'N', 'O', 'U') AS unauthorised,
      m.code IN ('G', 'N', 'O') AS unexplained
    FROM marks m JOIN open_sessions o USING (date, session)
  ),
  -- 10 unauthorised sessions in the current school week and the nine before it.
  penalty AS (
    SELECT upn, min(date) AS first_date FROM (
      SELECT upn, date,
        count(*) OVER (PARTITION BY upn ORDER BY w RANGE BETWEEN 9 PRECEDING AND CURRENT ROW)
          - count(*) OVER (PARTITION BY upn, w)
          + row_number() OVER (PARTITION BY upn, w ORDER BY s) AS running
      FROM classified c
      JOIN school_weeks ON school_weeks.monday = date_trunc('week', c.date)
      WHERE unauthorised
    ) WHERE running >= 10 GROUP BY upn
  ),
  -- 30 sessions of illness in one academic year.
  sickness AS (
    SELECT upn, min(date) AS first_date FROM (
      SELECT upn, date, row_number() OVER (
        PARTITION BY upn, year(date) - CASE WHEN month(date) < 9 THEN 1 ELSE 0 END ORDER BY date, session) AS n
      FROM marks WHERE code = 'I'
    ) WHERE n = 30 GROUP BY upn
  ),
  -- Runs of consecutive possible sessions: broken by any other possible code or a session with
  -- no mark; sessions that are not possible neither extend nor break a run.
  runs AS (
    SELECT *, sum(CASE WHEN breaks_unauthorised THEN 1 ELSE 0 END) OVER (PARTITION BY upn ORDER BY s) AS run_u,
              sum(CASE WHEN breaks_unexplained THEN 1 ELSE 0 END) OVER (PARTITION BY upn ORDER BY s) AS run_e
    FROM (
      SELECT *,
        (possible AND NOT unauthorised) OR coalesce(s - lag(s) OVER (PARTITION BY upn ORDER BY s) > 1, false) AS breaks_unauthorised,
        (possible AND NOT unexplained) OR coalesce(s - lag(s) OVER (PARTITION BY upn ORDER BY s) > 1, false) AS breaks_unexplained
      FROM classified
    )
  ),
  continuous AS (
    SELECT upn, min(date) AS first_date FROM (
      SELECT upn, date, row_number() OVER (PARTITION BY upn, run_u ORDER BY s) AS n
      FROM runs WHERE unauthorised
    ) WHERE n = 20 GROUP BY upn
  ),
  deletion AS (
    SELECT upn, min(date) AS first_date FROM (
      SELECT upn, date, row_number() OVER (PARTITION BY upn, run_e ORDER BY s) AS n
      FROM runs WHERE unexplained
    ) WHERE n = 40 GROUP BY upn
  ),
  -- N codes more than 5 school days old on the last day.
  overdue AS (
    SELECT upn, count(*) AS n
    FROM marks JOIN school_days USING (date), last_day
    WHERE code = 'N' AND last_day.d - school_days.d > 5
    GROUP BY upn
  ),
  hits AS (
    SELECT upn, 1 AS o, 'penalty_notice_threshold' AS trigger, first_date, 10 AS count FROM penalty
    UNION ALL SELECT upn, 2, 'sickness_return', first_date, 30 FROM sickness
    UNION ALL SELECT upn, 3, 'continuous_unauthorised_absence', first_date, 20 FROM continuous
    UNION ALL SELECT upn, 4, 'deletion_20_school_days', first_date, 40 FROM deletion
    UNION ALL SELECT upn, 5, 'n_code_overdue', NULL, n FROM overdue
  )
  SELECT upn, trigger, first_date, count
  FROM hits JOIN pupils USING (upn) ORDER BY position, o
) TO 'duckdb-triggers.csv' (HEADER, DELIMITER ',');
