-- The involvement of the study's newest finished analysis beside its category, so the study list can be filtered
-- by severity ("25 % or more") as the statistics are. A second trigger, after 009's (triggers fire in name order):
-- it follows whichever analysis note_finding made the study's own.
ALTER TABLE studies ADD COLUMN involvement float8;

CREATE FUNCTION note_involvement() RETURNS trigger
  LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
  BEGIN
    IF NEW.status IS DISTINCT FROM 'done' THEN
      RETURN NEW;
    END IF;
    UPDATE studies SET involvement = report_number(NEW.result -> 'report', '{involvement,percent}')
    WHERE id = (SELECT study_id FROM series WHERE id = NEW.series_id) AND category_analysis_id = NEW.id;
    RETURN NEW;
  END
  $$;

CREATE TRIGGER analyses_involvement AFTER INSERT OR UPDATE OF status, result ON analyses
  FOR EACH ROW EXECUTE FUNCTION note_involvement();

UPDATE studies st SET involvement = report_number(a.result -> 'report', '{involvement,percent}')
FROM analyses a WHERE a.id = st.category_analysis_id;
