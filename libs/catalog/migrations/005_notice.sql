-- A series the engine refused (no lung found, unreadable images) gets a "not analysed" notice (a Basic Text SR) in
-- its original study, sent once like SEG and SR.
ALTER TABLE writebacks DROP CONSTRAINT writebacks_kind_check;
ALTER TABLE writebacks ADD CONSTRAINT writebacks_kind_check CHECK (kind IN ('seg', 'sr', 'notice'));
