import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { finishAnalysis, recordAnalysis } from '@mic/catalog';
import { createS3Client } from '@mic/storage';
import { micWith, useUploadPlatform } from './support/platform.js';
import { freePort, isolatedConfig, lidcFiles, read, stow } from './support/ingest.js';
import { freshCopies } from '../e2e/support/worker.js';

jest.setTimeout(120_000);

// `mic verify` after damage to the store: a lost object, one with other bytes of the same size, one cut short, and
// one no row refers to. A bucket of this test's own, so other tests' objects are not orphans here.
const bucket = `it-verify-${randomBytes(4).toString('hex')}`;
const base = await isolatedConfig({ orthanc: { httpPort: await freePort() } });
const config = { ...base, s3: { ...base.s3, bucket } };
const s3 = createS3Client(config);
const mic = micWith(config);
const verify = (...args: string[]) => mic('verify', '--json', ...args);

describe('mic verify', () => {
  const platform = useUploadPlatform(config);

  afterAll(async () => {
    const keys: string[] = [];
    for await (const o of s3.listObjectsV2(bucket, '', true) as AsyncIterable<{ name?: string }>)
      if (o.name) keys.push(o.name);
    await s3.removeObjects(bucket, keys).catch(() => undefined);
    await s3.removeBucket(bucket).catch(() => undefined);
  });

  it('says the catalogue and the store agree, then names each kind of damage', async () => {
    const files = freshCopies(lidcFiles('LIDC-IDRI-0002')).slice(0, 4);
    expect((await stow(platform.ingest.port, files.map(read))).status).toBe(200);
    const keys = (await platform.pool.query('SELECT object_key FROM instances ORDER BY object_key')).rows.map(
      (r) => r.object_key as string,
    );
    expect(keys).toHaveLength(4);

    const clean = await verify('--hash');
    expect(clean.stderr).toBe('');
    expect(clean.status).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({
      consistent: true,
      catalogued: 4,
      stored: 4,
      missing: [],
      hashChecked: 4,
      hashDiffers: [],
      orphans: 0,
    });

    const [lost, flipped, cut] = keys;
    await s3.removeObject(bucket, lost);
    const original = await (async () => {
      const chunks: Buffer[] = [];
      for await (const c of await s3.getObject(bucket, flipped)) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    })();
    const damaged = Buffer.from(original);
    damaged[damaged.length - 1] ^= 0xff; // a bit flip in the pixel data: same size, other bytes
    await s3.putObject(bucket, flipped, damaged);
    await s3.putObject(bucket, cut, original.subarray(0, 100));
    await s3.putObject(bucket, 'dicom/ff/left-behind.dcm', Buffer.from('x'));

    // without --hash the bit flip is not seen; the rest is
    const quick = await verify();
    expect(quick.status).toBe(6);
    expect(JSON.parse(quick.stdout)).toMatchObject({
      consistent: false,
      missing: [lost],
      sizeDiffers: [{ key: cut, stored: 100 }],
      orphans: 1,
      recentOrphans: 1,
      orphanKeys: ['dicom/ff/left-behind.dcm'],
    });
    expect(JSON.parse(quick.stdout).hashDiffers).toBeUndefined();
    const full = await verify('--hash');
    expect(full.status).toBe(6);
    expect(JSON.parse(full.stdout).hashDiffers.sort()).toEqual([cut, flipped].sort());

    expect((await verify('--hash', '--lanes', '0')).status).toBe(2);

    // the catalogue's own gaps: a finished analysis without its files, a study whose original UID is not sealed
    const [series] = (await platform.pool.query('SELECT id FROM series')).rows;
    const a = await recordAnalysis(platform.pool, {
      seriesId: Number(series.id),
      analysisVersion: '1',
      revision: 1,
      jobId: `${bucket}-1`,
      lane: 'research',
    });
    await finishAnalysis(platform.pool, a.id, { report: {} }, {});
    const [st] = (await platform.pool.query('SELECT id, study_uid FROM studies')).rows;
    await platform.pool.query(`DELETE FROM identity_map WHERE kind = 'uid' AND pseudonym = $1`, [st.study_uid]);
    expect(JSON.parse((await verify()).stdout)).toMatchObject({
      analysesDoneWithoutFiles: [a.id],
      studiesWithoutSealedOriginal: [Number(st.id)],
    });
  });
});
