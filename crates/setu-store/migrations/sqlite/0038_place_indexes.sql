-- Survivor support figures read services by the day they started (issue 17, point 9).
CREATE INDEX case_service_started ON case_service (started_on);
