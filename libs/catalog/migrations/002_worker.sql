-- Results of the analysis worker: the exact engine versions and timings per analysis, and the write-back of SEG/SR
-- to the originating PACS, one row per analysis, kind and target so that a retry never sends a second object.

ALTER TABLE analyses
  ADD COLUMN versions jsonb,
  ADD COLUMN started_at timestamptz,
  ADD COLUMN finished_at timestamptz,
  ADD COLUMN error text;

CREATE TABLE writebacks (
  analysis_id bigint NOT NULL REFERENCES analyses (id),
  kind text NOT NULL CHECK (kind IN ('seg', 'sr')),
  -- the source (Orthanc) the object goes back to
  target text NOT NULL,
  -- deterministic: derived from the original study, series, analysis version and revision
  sop_uid text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent')),
  attempts int NOT NULL DEFAULT 0,
  remote_id text,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  PRIMARY KEY (analysis_id, kind, target)
);
