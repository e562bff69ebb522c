// CPU time (user + system, this process) and wall time of each analysis stage, one thread, on a DICOM series
// folder or a .nii/.nii.gz HU volume; reading is not counted. Run after `npx tsc -b`.
// Usage: node bench/analysis-stages.mjs <series-dir | volume.nii.gz>
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { analyzeVolume, huBandMethod } from '../libs/analysis/dist/index.js';
import { assembleSeries, readNifti } from '../libs/dicom/dist/index.js';

const input = process.argv[2];
if (!input) throw new Error('usage: node bench/analysis-stages.mjs <series-dir | volume.nii.gz>');
let hu;
if (statSync(input).isDirectory()) {
  const names = readdirSync(input).filter((f) => statSync(join(input, f)).isFile());
  const { series } = await assembleSeries(
    names.map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(input, f))) })),
  );
  hu = series.reduce((a, b) => (b.volume.dims[2] > a.volume.dims[2] ? b : a)).volume;
} else hu = readNifti(new Uint8Array(readFileSync(input)));

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const stages = {};
let last;
let c0 = cpu();
let w0 = performance.now();
const mark = (stage) => {
  const c = cpu();
  const w = performance.now();
  if (last) stages[last] = { cpuMs: Math.round(c - c0), wallMs: Math.round(w - w0) };
  [last, c0, w0] = [stage, c, w];
};
const r = analyzeVolume(hu, { method: huBandMethod, onStage: mark }).report;
mark(undefined);
const total = Object.values(stages).reduce((s, x) => s + x.cpuMs, 0);
console.log(JSON.stringify({ dims: r.input.dims, stages, cpuMs: total }));
console.log(
  `lungs R ${r.lung.right.volumeMl} mL, L ${r.lung.left.volumeMl} mL; GGO ${r.lesions.ggo.volumeMl} mL, ` +
    `consolidation ${r.lesions.consolidation.volumeMl} mL; involvement ${r.involvement.percent} %; ${r.typicality.category}`,
);
