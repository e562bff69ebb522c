import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createPool, type Pool } from '@mic/catalog';
import { config, requireService } from './support/stack.js';

jest.setTimeout(30_000);

describe('PostgreSQL', () => {
  const table = `it_studies_${randomBytes(4).toString('hex')}`;
  let pool: Pool;

  beforeAll(async () => {
    await requireService('postgres');
    pool = createPool(config);
  });

  afterAll(async () => {
    await pool?.query(`DROP TABLE IF EXISTS ${table}`);
    await pool?.end();
  });

  it('writes rows into a table and reads them back', async () => {
    await pool.query(
      `CREATE TABLE ${table} (id serial PRIMARY KEY, study_uid text NOT NULL UNIQUE, slices int, meta jsonb)`,
    );
    const rows = [
      ['1.2.3.4', 16, { society: 'A' }],
      ['1.2.3.5', 12, { society: 'B' }],
    ];
    for (const [uid, n, meta] of rows) {
      await pool.query(`INSERT INTO ${table} (study_uid, slices, meta) VALUES ($1, $2, $3)`, [uid, n, meta]);
    }
    const { rows: read } = await pool.query(`SELECT study_uid, slices, meta FROM ${table} ORDER BY study_uid`);
    expect(read).toEqual([
      { study_uid: '1.2.3.4', slices: 16, meta: { society: 'A' } },
      { study_uid: '1.2.3.5', slices: 12, meta: { society: 'B' } },
    ]);
    await expect(pool.query(`INSERT INTO ${table} (study_uid) VALUES ('1.2.3.4')`)).rejects.toThrow(/unique/);
  });
});
