-- The query API lists studies newest first, per society, and looks up each listed study's analyses through its
-- series: without these a page of the list scans every study and every series.
CREATE INDEX studies_society_id ON studies (society_id, id);
CREATE INDEX series_study ON series (study_id);
