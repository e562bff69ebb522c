-- The studies each sealed UID was seen in: erasure takes a UID's sealed original (a frame of reference, an image
-- another object refers to) with the last study that used it, not only the study's own catalogued UIDs. UIDs sealed
-- before this table have no uses recorded; erasure takes those only when the catalogue lists them for the study.
CREATE TABLE identity_uses (
  society_id text NOT NULL REFERENCES societies (id),
  study_uid text NOT NULL,
  pseudonym text NOT NULL,
  PRIMARY KEY (society_id, study_uid, pseudonym)
);
CREATE INDEX identity_uses_pseudonym ON identity_uses (society_id, pseudonym);
