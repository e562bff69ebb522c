import type { Pool, PoolClient } from 'pg';

type Db = Pool | PoolClient;

/** An object the catalogue says the store holds: a de-identified instance or an analysis file. */
export interface CatalogObject {
  key: string;
  sha256: string;
  /** Known for instances; the store's own size is trusted for analysis files. */
  size: number | null;
}

/** Every object the catalogue refers to, once each (instances share objects when their bytes are the same). */
export async function catalogObjects(db: Db): Promise<CatalogObject[]> {
  const { rows } = await db.query<{ key: string; sha256: string; size: string | null }>(
    `SELECT DISTINCT ON (key) key, sha256, size FROM (
       SELECT object_key AS key, sha256, size_bytes AS size FROM instances
       UNION ALL SELECT object_key, sha256, NULL FROM artifacts
     ) o ORDER BY key`,
  );
  return rows.map((r) => ({ key: r.key, sha256: r.sha256, size: r.size === null ? null : Number(r.size) }));
}

/** What the catalogue itself should hold and does not: results without files, studies that cannot be written back. */
export async function catalogGaps(db: Db): Promise<{ doneWithoutFiles: number[]; studiesWithoutOriginal: number[] }> {
  const done = await db.query<{ id: string }>(
    `SELECT a.id FROM analyses a WHERE a.status = 'done'
       AND NOT EXISTS (SELECT 1 FROM artifacts f WHERE f.analysis_id = a.id) ORDER BY a.id`,
  );
  const unsealed = await db.query<{ id: string }>(
    `SELECT st.id FROM studies st WHERE NOT EXISTS (SELECT 1 FROM identity_map m
       WHERE m.society_id = st.society_id AND m.kind = 'uid' AND m.pseudonym = st.study_uid) ORDER BY st.id`,
  );
  return {
    doneWithoutFiles: done.rows.map((r) => Number(r.id)),
    studiesWithoutOriginal: unsealed.rows.map((r) => Number(r.id)),
  };
}
