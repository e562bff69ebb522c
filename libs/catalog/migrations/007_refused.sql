-- A failed analysis whose input the engine refused (no lung, unreadable images), as against one our servers failed:
-- a replay cannot change a refusal, so whoever relays results (the hospital's edge) may say "not analysed" at once.
ALTER TABLE analyses ADD COLUMN refused boolean NOT NULL DEFAULT false;
