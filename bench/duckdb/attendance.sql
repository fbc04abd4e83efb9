-- Attendance by pupil over the whole file: the same figures as
--   rollcall report attendance --by pupil --format csv
-- (its first nine columns), computed by DuckDB from the same files.
-- The marks are the view marks_file (CSV or Parquet); pupils.csv is read from the current directory.
COPY (
  WITH marks AS (
    SELECT upn, code FROM marks_file
  ),
  pupils AS (
    SELECT upn, row_number() OVER () AS position
    FROM read_csv('pupils.csv', header = true, all_varchar = true)
  ),
  tally AS (
    SELECT upn,
      count(*) FILTER (WHERE code IN ('/', '\', 'L')) AS present,
      count(*) FILTER (WHERE code IN ('K', 'V', 'P', 'W', 'B')) AS aea,
      count(*) FILTER (WHERE code IN ('C1', 'M', 'J1', 'S', 'C2', 'C', 'T', 'R', 'I', 'E')) AS authorised,
      count(*) FILTER (WHERE code IN ('G', 'N', 'O', 'U')) AS unauthorised
    FROM marks GROUP BY upn
  ),
  figures AS (
    SELECT p.position, p.upn,
      coalesce(present, 0) AS present, coalesce(aea, 0) AS aea,
      coalesce(authorised, 0) AS authorised, coalesce(unauthorised, 0) AS unauthorised
    FROM pupils p LEFT JOIN tally t USING (upn)
  )
  SELECT upn,
    present + aea + authorised + unauthorised AS possible,
    present, aea, authorised, unauthorised,
    CASE WHEN present + aea + authorised + unauthorised = 0 THEN NULL ELSE
      -- hundredths of a per cent, rounded half up, exactly
      printf('%d.%02d',
        ((present + aea) * 20000 + (present + aea + authorised + unauthorised)) // (2 * (present + aea + authorised + unauthorised)) // 100,
        ((present + aea) * 20000 + (present + aea + authorised + unauthorised)) // (2 * (present + aea + authorised + unauthorised)) % 100)
    END AS attendance_pct,
    (present + aea + authorised + unauthorised > 0 AND (authorised + unauthorised) * 10 >= present + aea + authorised + unauthorised) AS persistent,
    (present + aea + authorised + unauthorised > 0 AND (authorised + unauthorised) * 2 >= present + aea + authorised + unauthorised) AS severe
  FROM figures ORDER BY position
) TO 'duckdb-attendance.csv' (HEADER, DELIMITER ',');
