-- The ward figures read a period's reports, people returned home and survivors' cases opened or
-- returned by their day (issue 17, point 9): without these, a national reader's map scanned a
-- million reports (2.2 s) and every case (0.2 s each) on the national data set, and read each
-- of the year's reports from the table (73 ms; 34 ms with the first index).
CREATE INDEX missing_report_reported ON missing_report (reported_on, place_code, status, trafficked)
    WHERE withdrawn_at IS NULL;
-- Status first: SQLite without statistics (Setu does not ANALYZE) then prefers it to the index
-- on status alone, which read every report returned home (100 ms).
CREATE INDEX missing_report_returned ON missing_report (status, status_on, place_code)
    WHERE trafficked = 1 AND withdrawn_at IS NULL;
CREATE INDEX survivor_case_opened ON survivor_case (opened_on);
CREATE INDEX survivor_case_returned ON survivor_case (returned_on);
