import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';

export type MappingKind = 'patient' | 'uid';
type Db = Pool | PoolClient;

// Layout of a sealed value: 12-byte nonce | 16-byte tag | ciphertext. The scope goes in as associated data, so a
// value copied to another society or pseudonym no longer opens.
function aad(society: string, kind: MappingKind, pseudonym: string): Buffer {
  return Buffer.from(`${society}\u0000${kind}\u0000${pseudonym}`, 'utf8');
}

function keyBytes(hexKey: string): Buffer {
  const key = Buffer.from(hexKey, 'hex');
  if (key.length !== 32) throw new Error('the mapping key must be 32 bytes (64 hex characters)');
  return key;
}

export function sealOriginal(
  hexKey: string,
  society: string,
  kind: MappingKind,
  pseudonym: string,
  original: string,
): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyBytes(hexKey), nonce);
  cipher.setAAD(aad(society, kind, pseudonym));
  const body = Buffer.concat([cipher.update(original, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), body]);
}

export function openOriginal(
  hexKey: string,
  society: string,
  kind: MappingKind,
  pseudonym: string,
  sealed: Buffer,
): string {
  const decipher = createDecipheriv('aes-256-gcm', keyBytes(hexKey), sealed.subarray(0, 12));
  decipher.setAAD(aad(society, kind, pseudonym));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
}

/**
 * Taken shared by every transaction that records UID uses, exclusive by erasure: a use recorded while an erasure
 * decides which UIDs no study uses any more would otherwise be missed, and a UID still needed by another study's
 * write-back taken (per schema and society; transaction-scoped, so a rollback releases it).
 */
export const USES_LOCK_KEY = `hashtext(current_schema() || ':identity-uses:' || $1)`;

/**
 * Stores pseudonym -> original pairs for a society; an existing pair is left as it is (pseudonyms are keyed). With
 * `usedBy` (a pseudonymised Study Instance UID), the UIDs are recorded as used by that study, for erasure. Call it
 * inside a transaction when `usedBy` is given.
 */
export async function saveMapping(
  db: Db,
  hexKey: string,
  society: string,
  kind: MappingKind,
  pairs: Record<string, string>,
  usedBy?: string,
): Promise<void> {
  // Sorted: concurrent ingests that share pseudonyms (a study's UIDs) take their row locks in the same order.
  const entries = Object.entries(pairs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return;
  const pseudonyms = entries.map(([p]) => p);
  if (usedBy !== undefined) {
    // one round trip: the lock is taken before the first row is written
    await db.query(
      `WITH lock AS (SELECT pg_advisory_xact_lock_shared(${USES_LOCK_KEY}))
       INSERT INTO identity_uses (society_id, study_uid, pseudonym)
       SELECT $1, $2, p FROM lock, unnest($3::text[]) AS t(p) ON CONFLICT DO NOTHING`,
      [society, usedBy, pseudonyms],
    );
  }
  const sealed = entries.map(([p, o]) => sealOriginal(hexKey, society, kind, p, o));
  await db.query(
    `INSERT INTO identity_map (society_id, kind, pseudonym, original)
     SELECT $1, $2, p, o FROM unnest($3::text[], $4::bytea[]) AS t(p, o)
     ON CONFLICT DO NOTHING`,
    [society, kind, pseudonyms, sealed],
  );
}

/** The original value behind a pseudonym, only within the society that made it; undefined when unknown. */
export async function lookupOriginal(
  db: Db,
  hexKey: string,
  society: string,
  kind: MappingKind,
  pseudonym: string,
): Promise<string | undefined> {
  const { rows } = await db.query<{ original: Buffer }>(
    'SELECT original FROM identity_map WHERE society_id = $1 AND kind = $2 AND pseudonym = $3',
    [society, kind, pseudonym],
  );
  return rows[0] ? openOriginal(hexKey, society, kind, pseudonym, rows[0].original) : undefined;
}
