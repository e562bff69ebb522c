import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { dataPath } from '../../../test/support/data.js';
// the built thread: runAnalysisThread starts dist/thread.js beside it (run `npx tsc -b` first)
import { runAnalysisThread, type Feed } from '../dist/run-thread.js';

const dir = dataPath('lidc-partial', 'LIDC-IDRI-0002');
const names = readdirSync(dir).filter((f) => f.endsWith('.dcm'));
const feed: Feed = async (send) => names.forEach((f, t) => send(t, f, new Uint8Array(readFileSync(join(dir, f)))));
const uids = { segSeriesUid: '2.25.1', segSopUid: '2.25.2', srSeriesUid: '2.25.3', srSopUid: '2.25.4' };
const run = (maxVoxels: number) =>
  runAnalysisThread({ seriesUid: '', method: 'hu', uids, restore: false, maxVoxels }, { timeoutMs: 120_000 }, feed);

describe('analysis thread', () => {
  it('refuses a series over the voxel limit with its size, as a bad input (no retry)', async () => {
    const voxels = names.length * 512 * 512;
    await expect(run(voxels - 1)).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: `series too large to analyse: ${voxels} voxels, this worker takes at most ${voxels - 1} (worker.maxVoxels)`,
    });
  });

  it('analyses a series at the limit', async () => {
    const r = await run(names.length * 512 * 512);
    expect(r.report.input.dims).toEqual([512, 512, names.length]);
    expect(Object.keys(r.files)).toEqual(expect.arrayContaining(['seg.dcm', 'sr.dcm', 'report.json']));
  }, 120_000);
});
