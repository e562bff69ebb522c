// How `mic analyze` holds up on scans unlike the one it was developed on: the RICORD chest CT (and a healthy LIDC
// slab) stored in other orders, resliced, made noisier or sharper, or lengthened into a chest-abdomen scan. Writes
// the variants as NIfTI to a temporary folder, runs the command on each, prints one Markdown row per variant, with
// the trend `mic compare` gives against the scan as stored: a change of the scan, not of the patient, must be stable.
// Run from the repository root after `npx tsc -b`: node bench/variants.mjs [data-dir]  (about 5 min on 2 cores)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareReadings, readingOf } from '../libs/analysis/dist/index.js';
import { flipAxis, readNifti, writeNifti } from '../libs/dicom/dist/index.js';
import {
  fromPatientOrder,
  gridWithSpacing,
  resampleToGrid,
  toPatientOrder,
  withData,
} from '../libs/imaging/dist/index.js';

const data = process.argv[2] ?? process.env.MIC_DATA_DIR ?? '../shared/data';
const work = mkdtempSync(join(tmpdir(), 'mic-variants-'));
const mic = (...args) => execFileSync('node', ['bin/mic.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });

function toNifti(series, name) {
  const path = join(work, name);
  mic('dicom', 'to-nifti', join(data, series), path);
  return toPatientOrder(readNifti(new Uint8Array(readFileSync(path))));
}

let seed = 1;
const gauss = () => {
  const r = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
};
const clampHu = (x) => Math.max(-1024, Math.min(3071, Math.round(x)));

/** White noise of `sd` HU on every voxel in the field of view (a lower dose). */
const noisy = (v, sd) =>
  withData(
    v,
    v.data.map((x) => (x <= -1500 ? x : clampHu(x + sd * gauss()))),
  );

/** In-plane unsharp mask (3x3 box, amount 1.5) plus 40 HU of noise: the look of a sharp lung kernel. */
function sharp(v) {
  const [nx, ny] = v.dims;
  const d = Int16Array.from(v.data);
  for (let p = 0; p < d.length; p++) {
    const i = p % nx;
    const j = Math.floor(p / nx) % ny;
    if (v.data[p] <= -1500 || i === 0 || j === 0 || i === nx - 1 || j === ny - 1) continue;
    let b = 0;
    for (let dj = -1; dj <= 1; dj++) for (let di = -1; di <= 1; di++) b += Math.max(-1024, v.data[p + di + nx * dj]);
    d[p] = clampHu(v.data[p] + 1.5 * (v.data[p] - b / 9) + 40 * gauss());
  }
  return withData(v, d);
}

/** 250 more slices below the scan, mirrored runs of its lowest 80 (liver, stomach, bowel gas). */
function longer(v) {
  const [nx, ny, nz] = v.dims;
  const nxy = nx * ny;
  const extra = 250;
  const d = new Int16Array(nxy * (nz + extra));
  for (let e = 0; e < extra; e++) {
    const t = (extra - 1 - e) % 160;
    const k = t < 80 ? t : 159 - t;
    d.set(v.data.subarray(k * nxy, (k + 1) * nxy), e * nxy);
  }
  d.set(v.data, extra * nxy);
  const origin = [v.origin[0], v.origin[1], v.origin[2] - extra * v.spacing[2]];
  return { data: d, dims: [nx, ny, nz + extra], spacing: v.spacing, origin, direction: v.direction };
}

/** The same voxels stored as coronal slices in RAS order (columns to the right, rows down, slices backwards). */
function coronal(v) {
  const [nx, ny, nz] = v.dims;
  const like = { data: new Int16Array(0), dims: [nx, nz, ny], spacing: [v.spacing[0], v.spacing[2], v.spacing[1]] };
  return fromPatientOrder(v, { ...like, origin: [0, 0, 0], direction: [-1, 0, 0, 0, 0, 1, 0, -1, 0] });
}

const reslice = (v, mm) =>
  resampleToGrid(v, gridWithSpacing(v, [v.spacing[0], v.spacing[1], mm]), 'linear', Int16Array);

const ricord = toNifti('ricord-1a-419639-000082/dicom', 'ricord.nii.gz');
const lidc = toNifti('lidc-partial/LIDC-IDRI-0001', 'lidc.nii.gz');
const variants = [
  ['RICORD, NIfTI as written by `mic dicom to-nifti`', join(work, 'ricord.nii.gz')],
  [
    'RICORD, columns and slices reversed as well',
    flipAxis(flipAxis(readNifti(readFileSync(join(work, 'ricord.nii.gz'))), 0), 2),
  ],
  ['RICORD stored as coronal slices (RAS)', coronal(ricord)],
  ['RICORD resliced to 0.625 mm (510 slices)', reslice(ricord, 0.625)],
  ['RICORD resliced to 3 mm', reslice(ricord, 3)],
  ['RICORD resliced to 5 mm', reslice(ricord, 5)],
  ['RICORD + noise SD 60 HU', noisy(ricord, 60)],
  ['RICORD + noise SD 120 HU', noisy(ricord, 120)],
  ['RICORD, sharp-kernel look', sharp(ricord)],
  ['RICORD + 250 abdominal slices below', longer(ricord)],
  ['LIDC-IDRI-0001 slab (healthy)', join(work, 'lidc.nii.gz')],
  ['LIDC-IDRI-0001 + noise SD 120 HU', noisy(lidc, 120)],
  ['LIDC-IDRI-0001, sharp-kernel look', sharp(lidc)],
];

console.log(
  '| input | lungs R / L mL | GGO / consolidation mL | involvement | RSNA | vs as stored | analysis s | peak RSS |',
);
console.log('|---|---|---|---|---|---|---|---|');
const stored = {};
for (const [t, [name, v]] of variants.entries()) {
  let path = v;
  if (typeof v !== 'string') {
    path = join(work, `v${t}.nii.gz`);
    writeFileSync(path, writeNifti(v, { gzip: true }));
  }
  const out = join(work, `out${t}`);
  const timeFile = join(work, `time${t}.txt`);
  execFileSync('/usr/bin/time', ['-v', '-o', timeFile, 'node', 'bin/mic.js', 'analyze', path, '--out', out], {
    stdio: 'ignore',
  });
  const r = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  const rss = Number(readFileSync(timeFile, 'utf8').match(/Maximum resident set size \(kbytes\): (\d+)/)[1]) / 2 ** 20;
  const secs = ((r.timingsMs.total - r.timingsMs.read - r.timingsMs.write) / 1000).toFixed(1);
  const scan = name.split(/[ ,]/)[0];
  stored[scan] ??= readingOf(r);
  const trend = compareReadings(stored[scan], readingOf(r)).trend;
  console.log(
    `| ${name} | ${r.lung.right.volumeMl.toFixed(0)} / ${r.lung.left.volumeMl.toFixed(0)} | ` +
      `${r.lesions.ggo.volumeMl.toFixed(1)} / ${r.lesions.consolidation.volumeMl.toFixed(1)} | ` +
      `${r.involvement.percent.toFixed(2)} % | ${r.typicality.category} | ${trend} | ${secs} | ${rss.toFixed(2)} GB |`,
  );
}
rmSync(work, { recursive: true, force: true });
