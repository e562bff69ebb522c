-- The change-feed position ingest found when it first started on a source: changes up to it are backfill (history
-- the PACS held before), analysed in the research lane; later changes are clinical. NULL: no backfill.
ALTER TABLE feed_positions ADD COLUMN backfill_until bigint;

-- A pending study seen only through backfill changes; any later change makes it clinical.
ALTER TABLE feed_pending ADD COLUMN backfill boolean NOT NULL DEFAULT false;
