import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '@mic/cli';
import { decodeGray } from '@mic/analysis';
import dcmjs from 'dcmjs';
import { dataPath } from '../../test/support/data.js';

const TRAIN = ['infnet-covid-semiseg', 'TrainingSet', 'MultiClassInfection-Train'];

describe('mic segment-slice and eval-slices', () => {
  let out: string[];
  let err: string[];
  beforeEach(() => {
    out = [];
    err = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('segment-slice (default unet) writes label and lung PNGs of the input size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mic-slice-'));
    const image = dataPath(...TRAIN, 'Imgs', '3.jpg');
    const args = ['segment-slice', image, '--out', join(dir, 'l.png'), '--lung-out', join(dir, 'lung.png')];
    expect(await run(['node', 'mic', ...args])).toBe(0);
    const src = decodeGray(readFileSync(image));
    for (const [f, max] of [
      ['l.png', 2],
      ['lung.png', 2],
    ] as const) {
      const png = decodeGray(readFileSync(join(dir, f)));
      expect([png.width, png.height]).toEqual([src.width, src.height]);
      expect(Math.max(...png.pixels)).toBe(max);
    }
    expect(out.join('')).toMatch(/^unet: lung \d+ px, GGO [\d.]+ %, consolidation [\d.]+ % of lung/);
    // The compiled CLI runs the unet's four passes on two worker threads: the same labels as in-process.
    const bin = fileURLToPath(new URL('../../bin/mic.js', import.meta.url));
    const threaded = join(dir, 'threaded.png');
    const r = spawnSync(process.execPath, [bin, 'segment-slice', image, '--out', threaded, '--threads', '2'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(out.join(''));
    expect(decodeGray(readFileSync(threaded)).pixels).toEqual(decodeGray(readFileSync(join(dir, 'l.png'))).pixels);
    expect(await run(['node', 'mic', ...args, '--threads', '-1'])).toBe(2);
    expect(err.join('')).toMatch(/--threads must be an integer/);
  }, 180000);

  it('eval-slices scores the default method on a labelled folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mic-eval-'));
    for (const sub of ['Imgs', 'GT']) mkdirSync(join(dir, sub));
    for (const id of ['3', '29']) {
      symlinkSync(dataPath(...TRAIN, 'Imgs', `${id}.jpg`), join(dir, 'Imgs', `${id}.jpg`));
      symlinkSync(dataPath(...TRAIN, 'GT', `${id}.png`), join(dir, 'GT', `${id}.png`));
    }
    const pred = join(dir, 'pred');
    const args = ['eval-slices', '--images', join(dir, 'Imgs'), '--labels', join(dir, 'GT'), '--json'];
    expect(await run(['node', 'mic', ...args, '--pred-out', pred])).toBe(0);
    const r = JSON.parse(out.join(''));
    expect(r.method).toBe('unet');
    expect(r.perImage.map((p: { name: string }) => p.name)).toEqual(['3', '29']);
    // The labels written are the ones scored: their pixel counts are in the report, the truth's beside them.
    for (const p of r.perImage) {
      const labels = decodeGray(readFileSync(join(pred, `${p.name}.png`)));
      const src = decodeGray(readFileSync(join(dir, 'Imgs', `${p.name}.jpg`)));
      expect([labels.width, labels.height]).toEqual([src.width, src.height]);
      expect(labels.pixels.filter((v) => v === 2).length).toBe(p.pixels.predicted.consolidation);
      expect(labels.pixels.filter((v) => v === 1).length).toBe(p.pixels.predicted.ggo);
    }
    // 3.png: 10,139 GGO and 6,038 consolidation pixels; 29.png has no consolidation.
    expect(r.perImage[0].pixels.truth).toEqual({ ggo: 10139, consolidation: 6038 });
    expect(r.perImage[1].pixels.truth.consolidation).toBe(0);
    expect(r.zeroSlices.consolidation.missedWithTruth).toEqual([]);
    expect(r.ci95.infection[0]).toBeLessThanOrEqual(r.mean.infection);
    expect(r.ci95.infection[1]).toBeGreaterThanOrEqual(r.mean.infection);
    // Training slices of the shipped model: far above the unsupervised methods' ~0.4.
    expect(r.mean.infection).toBeGreaterThan(0.6);
    // The compiled CLI segments the slices on worker threads: the same figures as in-process.
    const bin = fileURLToPath(new URL('../../bin/mic.js', import.meta.url));
    const threaded = spawnSync(process.execPath, [bin, ...args, '--threads', '2'], { encoding: 'utf8' });
    expect(threaded.stderr).toBe('');
    expect(JSON.parse(threaded.stdout)).toEqual(r);
  }, 180000);

  it('refuses unet cross-validation without fold models, and unet training, with one line and exit 2', async () => {
    const imgs = dataPath(...TRAIN, 'Imgs');
    const labels = dataPath(...TRAIN, 'GT');
    const cv = ['eval-slices', '--images', imgs, '--labels', labels, '--method', 'unet', '--cv', '5'];
    expect(await run(['node', 'mic', ...cv])).toBe(2);
    expect(err.join('')).toMatch(/--fold-models/);
    err.length = 0;
    const grid = [...cv, '--fold-models', labels, '--post-grid', 'wide'];
    expect(await run(['node', 'mic', ...grid])).toBe(2);
    expect(err.join('')).toMatch(/--post-grid must be split or blend, not 'wide'/);
    err.length = 0;
    expect(await run(['node', 'mic', 'eval-slices', '--images', imgs, '--labels', labels, '--threads', 'x'])).toBe(2);
    expect(err.join('')).toMatch(/--threads must be an integer/);
    err.length = 0;
    const train = ['train-slices', '--images', imgs, '--labels', labels, '--out', '/dev/null', '--method', 'unet'];
    expect(await run(['node', 'mic', ...train])).toBe(2);
    expect(err.join('').trim().split('\n')).toEqual([expect.stringMatching(/training\/unet\/cv\.sh/)]);
  });

  it('cross-validates the unet with the fold models of several folders averaged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mic-ens-'));
    for (const sub of ['Imgs', 'GT', 'a', 'b']) mkdirSync(join(dir, sub));
    for (const id of ['3', '29', '41', '4']) {
      symlinkSync(dataPath(...TRAIN, 'Imgs', `${id}.jpg`), join(dir, 'Imgs', `${id}.jpg`));
      symlinkSync(dataPath(...TRAIN, 'GT', `${id}.png`), join(dir, 'GT', `${id}.png`));
    }
    // The runtime's tiny parity network stands in for trained fold models (this checks the wiring, not accuracy).
    const fixture = new URL('../../libs/analysis/test/fixtures/unet-parity.json', import.meta.url);
    const model = JSON.stringify(JSON.parse(readFileSync(fixture, 'utf8')).model);
    for (const f of [0, 1]) for (const d of ['a', 'b']) writeFileSync(join(dir, d, `fold-${f}.json`), model);
    const cv = ['eval-slices', '--images', join(dir, 'Imgs'), '--labels', join(dir, 'GT'), '--method', 'unet'];
    const args = [...cv, '--cv', '2', '--fold-models', join(dir, 'a'), join(dir, 'b'), '--json'];
    expect(await run(['node', 'mic', ...args, '--pred-out', join(dir, 'held-out')])).toBe(0);
    const r = JSON.parse(out.join(''));
    expect(r.perImage).toHaveLength(4);
    expect(r.points).toHaveLength(108);
    expect(r.zeroSlices.consolidation).toEqual({
      calledWithoutTruth: expect.any(Array),
      missedWithTruth: expect.any(Array),
    });
    for (const p of r.perImage) {
      expect(p.pixels.truth.ggo + p.pixels.truth.consolidation).toBeGreaterThan(0);
      // The held-out labels written are the ones scored.
      const labels = decodeGray(readFileSync(join(dir, 'held-out', `${p.name}.png`))).pixels;
      expect(labels.filter((v) => v === 1).length).toBe(p.pixels.predicted.ggo);
    }
    out.length = 0;
    const missing = [...args.slice(0, -1), join(dir, 'Imgs'), '--json'];
    expect(await run(['node', 'mic', ...missing])).not.toBe(0);
    expect(err.join('')).toMatch(/fold-0\.json/);
  }, 180000);

  it('refuses a broken unet model file with one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mic-model-'));
    const args = ['segment-slice', dataPath(...TRAIN, 'Imgs', '3.jpg'), '--out', join(dir, 'l.png')];
    expect(await run(['node', 'mic', ...args, '--model', dataPath(...TRAIN, 'GT', '3.png')])).not.toBe(0);
    expect(err.join('')).toMatch(/not JSON/);
  });

  it("labels the lungs by the patient's sides on a slice of a prone patient (stored rotated by 180 degrees)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mic-prone-'));
    const supine = dataPath('covid-ny-sbu-slices', 'A002304', 'axial', '19001231-076.dcm');
    const prone = join(dir, 'prone.dcm');
    writeFileSync(prone, rotated(readFileSync(supine)));
    const labels: Record<string, ReturnType<typeof decodeGray>> = {};
    for (const [name, file] of [
      ['supine', supine],
      ['prone', prone],
    ]) {
      const args = ['segment-slice', file, '--method', 'hu', '--out', join(dir, `${name}-l.png`)];
      expect(await run(['node', 'mic', ...args, '--lung-out', join(dir, `${name}-lung.png`)])).toBe(0);
      labels[name] = decodeGray(readFileSync(join(dir, `${name}-lung.png`)));
      labels[`${name}-l`] = decodeGray(readFileSync(join(dir, `${name}-l.png`)));
    }
    // the same lungs and lesions, pixel for pixel once turned back: the right lung stays 1
    const turned = (px: Uint8Array) => Uint8Array.from(px).reverse();
    expect(labels.supine.pixels.some((v) => v === 1) && labels.supine.pixels.some((v) => v === 2)).toBe(true);
    expect(Buffer.from(turned(labels.prone.pixels)).equals(Buffer.from(labels.supine.pixels))).toBe(true);
    expect(Buffer.from(turned(labels['prone-l'].pixels)).equals(Buffer.from(labels['supine-l'].pixels))).toBe(true);
    // eval-slices scores the prone slice against labels in its own pixel order, and writes its labels back so
    for (const name of ['supine', 'prone']) {
      for (const d of ['imgs', 'labels']) mkdirSync(join(dir, name, d), { recursive: true });
      writeFileSync(join(dir, name, 'imgs', 'a.dcm'), readFileSync(name === 'prone' ? prone : supine));
      writeFileSync(join(dir, name, 'labels', 'a.png'), readFileSync(join(dir, `${name}-l.png`)));
      out.length = 0;
      const args = ['eval-slices', '--images', join(dir, name, 'imgs'), '--labels', join(dir, name, 'labels')];
      const pred = join(dir, name, 'pred');
      expect(await run(['node', 'mic', ...args, '--method', 'hu', '--json', '--pred-out', pred])).toBe(0);
      expect(JSON.parse(out.join('')).mean.infection).toBe(1);
      expect(readFileSync(join(pred, 'a.png')).equals(readFileSync(join(dir, `${name}-l.png`)))).toBe(true);
    }
  }, 60000);
});

/** The slice as a prone acquisition stores it: pixels rotated by 180 degrees, rows and columns pointing the other way. */
function rotated(bytes: Buffer): Buffer {
  const { DicomMessage, DicomMetaDictionary } = dcmjs.data;
  dcmjs.log.setLevel('error');
  const dict = DicomMessage.readFile(new Uint8Array(bytes).buffer);
  const ds = DicomMetaDictionary.naturalizeDataset(dict.dict) as {
    PixelData: ArrayBuffer[];
    ImageOrientationPatient: (string | number)[];
    [k: string]: unknown;
  };
  const pixels = new Int16Array(ds.PixelData[0]);
  ds.PixelData = [Int16Array.from(pixels).reverse().buffer];
  const [a, b, c, d, e, f] = ds.ImageOrientationPatient.map(Number);
  ds.ImageOrientationPatient = [-a, -b, -c, -d, -e, -f];
  ds.PatientPosition = 'HFP';
  dict.dict = DicomMetaDictionary.denaturalizeDataset(ds);
  return Buffer.from(dict.write());
}
