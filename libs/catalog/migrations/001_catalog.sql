-- The catalogue: who sent what, what was stored, what was analysed. Identifiers here are de-identified; the only
-- link back to a real patient is identity_map, whose values are encrypted.

CREATE TABLE societies (
  id text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE patients (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  society_id text NOT NULL REFERENCES societies (id),
  pseudonym text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (society_id, pseudonym)
);

CREATE TABLE studies (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  society_id text NOT NULL REFERENCES societies (id),
  patient_id bigint NOT NULL REFERENCES patients (id),
  study_uid text NOT NULL UNIQUE,
  -- where it came from: an Orthanc source name or 'stow'
  source text NOT NULL,
  source_ref text,
  study_date text,
  description text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE series (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  study_id bigint NOT NULL REFERENCES studies (id),
  series_uid text NOT NULL UNIQUE,
  modality text,
  body_part text,
  description text,
  slice_thickness_mm double precision,
  image_type text,
  -- the set of instances last analysed (sha256 of sorted instance hashes) and its revision: a new set is an amendment
  content_hash text,
  revision int NOT NULL DEFAULT 0,
  selected boolean,
  not_analysed_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE instances (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  series_id bigint NOT NULL REFERENCES series (id),
  sop_uid text NOT NULL UNIQUE,
  sop_class_uid text,
  instance_number int,
  object_key text NOT NULL,
  sha256 text NOT NULL,
  size_bytes bigint NOT NULL,
  source_ref text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX instances_series ON instances (series_id);
CREATE INDEX instances_source_ref ON instances (source_ref);

CREATE TABLE analyses (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  series_id bigint NOT NULL REFERENCES series (id),
  analysis_version text NOT NULL,
  revision int NOT NULL,
  job_id text NOT NULL UNIQUE,
  lane text NOT NULL CHECK (lane IN ('clinical', 'research')),
  status text NOT NULL DEFAULT 'queued',
  -- set once the job is in the queue: rows without it are (re-)enqueued, so a crash in between loses nothing
  enqueued_at timestamptz,
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (series_id, analysis_version, revision)
);

CREATE TABLE artifacts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  analysis_id bigint NOT NULL REFERENCES analyses (id),
  kind text NOT NULL,
  object_key text NOT NULL,
  sha256 text NOT NULL,
  media_type text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (analysis_id, kind, object_key)
);

CREATE TABLE audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  action text NOT NULL,
  study_id bigint REFERENCES studies (id),
  detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_study ON audit (study_id);

-- pseudonym (patient id or UID) -> original, AES-256-GCM; scope is the society whose key made the pseudonym
CREATE TABLE identity_map (
  society_id text NOT NULL REFERENCES societies (id),
  kind text NOT NULL CHECK (kind IN ('patient', 'uid')),
  pseudonym text NOT NULL,
  original bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (society_id, kind, pseudonym)
);

CREATE TABLE quarantine (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  society_id text NOT NULL REFERENCES societies (id),
  source text NOT NULL,
  source_ref text NOT NULL,
  -- the Orthanc study it belongs to, when known, so completeness counts it as handled
  source_study text,
  sha256 text,
  reason text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source, source_ref)
);

CREATE TABLE feed_positions (
  source text PRIMARY KEY,
  last_seq bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- studies seen on a change feed and not yet ingested to completion
CREATE TABLE feed_pending (
  source text NOT NULL,
  source_study text NOT NULL,
  last_change_at timestamptz NOT NULL DEFAULT now(),
  stable boolean NOT NULL DEFAULT false,
  -- bumped by every change: a pass clears the row only if no change arrived while it ran
  changes int NOT NULL DEFAULT 1,
  attempts int NOT NULL DEFAULT 0,
  last_error text,
  retry_at timestamptz,
  PRIMARY KEY (source, source_study)
);
