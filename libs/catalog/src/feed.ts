import type { Pool, PoolClient } from 'pg';

type Db = Pool | PoolClient;

export async function feedPosition(db: Db, source: string): Promise<number | undefined> {
  const { rows } = await db.query<{ last_seq: string }>('SELECT last_seq FROM feed_positions WHERE source = $1', [
    source,
  ]);
  return rows[0] ? Number(rows[0].last_seq) : undefined;
}

/** The last change of the backfill (what the source held when ingest first started), or null. */
export async function backfillUntil(db: Db, source: string): Promise<number | null> {
  const { rows } = await db.query<{ b: string | null }>(
    'SELECT backfill_until AS b FROM feed_positions WHERE source = $1',
    [source],
  );
  return rows[0]?.b == null ? null : Number(rows[0].b);
}

/**
 * Saves a page of the change feed at once: the studies it touched become pending (stable ones flagged, backfill
 * ones marked until a later change touches them) and the position moves to `lastSeq`, in one transaction, so a
 * restart neither skips nor loses a study. `backfill` sets (number or null) the backfill boundary; undefined keeps it.
 */
export async function savePage(
  pool: Pool,
  source: string,
  lastSeq: number,
  touched: { study: string; stable: boolean; backfill?: boolean }[],
  backfill?: number | null,
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (const t of touched) {
      await client.query(
        `INSERT INTO feed_pending (source, source_study, stable, backfill) VALUES ($1, $2, $3, $4)
         ON CONFLICT (source, source_study) DO UPDATE SET
           last_change_at = CASE WHEN $3 THEN feed_pending.last_change_at ELSE now() END,
           stable = $3, changes = feed_pending.changes + 1, backfill = feed_pending.backfill AND $4`,
        [source, t.study, t.stable, t.backfill ?? false],
      );
    }
    await client.query(
      `INSERT INTO feed_positions (source, last_seq, backfill_until) VALUES ($1, $2, $3)
       ON CONFLICT (source) DO UPDATE SET last_seq = EXCLUDED.last_seq, updated_at = now(),
         backfill_until = CASE WHEN $4 THEN EXCLUDED.backfill_until ELSE feed_positions.backfill_until END`,
      [source, lastSeq, backfill ?? null, backfill !== undefined],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export interface PendingStudy {
  study: string;
  changes: number;
  attempts: number;
  /** Seen only in the backfill: research lane. */
  backfill: boolean;
}

/** Pending studies ready for ingestion: stable (latest change), or quiet for `settleSeconds` (when > 0). */
export async function readyStudies(db: Db, source: string, settleSeconds: number): Promise<PendingStudy[]> {
  const { rows } = await db.query(
    `SELECT source_study, changes, attempts, backfill FROM feed_pending
     WHERE source = $1 AND (stable OR ($2 > 0 AND last_change_at <= now() - make_interval(secs => $2)))
       AND (retry_at IS NULL OR retry_at <= now())
     ORDER BY last_change_at`,
    [source, settleSeconds],
  );
  return rows.map((r) => ({ study: r.source_study, changes: r.changes, attempts: r.attempts, backfill: r.backfill }));
}

/** Done with a study, unless a change arrived for it meanwhile (then it stays pending for another pass). */
export async function clearPending(db: Db, source: string, study: string, seenChanges: number): Promise<boolean> {
  const res = await db.query('DELETE FROM feed_pending WHERE source = $1 AND source_study = $2 AND changes = $3', [
    source,
    study,
    seenChanges,
  ]);
  return (res.rowCount ?? 0) > 0;
}

/** A failed pass: the study stays pending and is retried after `retryMs`. */
export async function pendingFailed(
  db: Db,
  source: string,
  study: string,
  error: string,
  retryMs: number,
): Promise<void> {
  await db.query(
    `UPDATE feed_pending SET attempts = attempts + 1, last_error = $3,
       retry_at = now() + make_interval(secs => $4::double precision / 1000)
     WHERE source = $1 AND source_study = $2`,
    [source, study, error, retryMs],
  );
}

/** Of the given source references, those already stored or quarantined. */
export async function handledRefs(db: Db, source: string, refs: string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ ref: string }>(
    `SELECT source_ref AS ref FROM instances WHERE source_ref = ANY($1::text[])
     UNION SELECT source_ref FROM quarantine WHERE source = $2 AND source_ref = ANY($1::text[])`,
    [refs, source],
  );
  return new Set(rows.map((r) => r.ref));
}

/** Catalogue studies holding instances with the given source references. */
export async function studiesOfRefs(db: Db, refs: string[]): Promise<number[]> {
  const { rows } = await db.query<{ study_id: string }>(
    `SELECT DISTINCT s.study_id FROM instances i JOIN series s ON s.id = i.series_id
     WHERE i.source_ref = ANY($1::text[]) ORDER BY s.study_id`,
    [refs],
  );
  return rows.map((r) => Number(r.study_id));
}
