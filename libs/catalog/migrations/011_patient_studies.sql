-- A patient's studies in date order, for the course of a patient (each follow-up against the one before). Without
-- it the lookup reads every study in the catalogue.
CREATE INDEX studies_patient ON studies (patient_id, study_date, id);
