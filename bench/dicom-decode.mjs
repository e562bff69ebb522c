// Decode + assemble throughput on the LIDC slabs: mic (@mic/dicom), dcmtk (dcmdump, dcm2pnm) and pydicom, same files.
// Usage: npx tsc -b && bash scripts/setup.d/python.sh && node bench/dicom-decode.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join, resolve } from 'node:path';
import { assembleSeries } from '../libs/dicom/dist/index.js';

const data = resolve(
  process.env.MIC_DATA_DIR ?? join(import.meta.dirname, '..', '..', 'shared', 'data'),
  'lidc-partial',
);
const paths = ['LIDC-IDRI-0001', 'LIDC-IDRI-0002', 'LIDC-IDRI-0003'].flatMap((d) =>
  readdirSync(join(data, d))
    .filter((f) => f.endsWith('.dcm'))
    .map((f) => join(data, d, f)),
);
const files = paths.map((p) => ({ name: p, bytes: new Uint8Array(readFileSync(p)) }));
const mb = files.reduce((n, f) => n + f.bytes.length, 0) / 1e6;
const REPEATS = 3;

async function best(fn) {
  let t = Infinity;
  for (let i = 0; i < REPEATS; i++) {
    const s = performance.now();
    await fn();
    t = Math.min(t, (performance.now() - s) / 1000);
  }
  return t;
}

const rows = [];
const add = (tool, what, seconds) => rows.push({ tool, what, seconds, mbs: mb / seconds });

await assembleSeries(files.slice(0, 1)); // warm up the module
add('mic @mic/dicom', 'parse + decode + HU + assemble 3 series, in memory', await best(() => assembleSeries(files)));

const out = mkdtempSync(join(tmpdir(), 'mic-bench-'));
add(
  'dcmtk dcmdump',
  'parse only, one process per file',
  await best(() => paths.forEach((p) => execFileSync('dcmdump', ['-q', p], { stdio: 'ignore' }))),
);
add(
  'dcmtk dcm2pnm',
  'decode to 16-bit PGM, one process per file',
  await best(() => paths.forEach((p, i) => execFileSync('dcm2pnm', ['-q', '+opw', p, join(out, `${i}.pgm`)]))),
);

const py = join(process.env.MIC_CACHE_DIR ?? join(process.env.HOME, '.cache', 'mic'), 'venv', 'bin', 'python');
const script = join(out, 'bench.py');
writeFileSync(
  script,
  `import io, sys, time, json
import numpy as np, pydicom
blobs = [open(p, 'rb').read() for p in json.load(sys.stdin)]
def run():
    series = {}
    for b in blobs:
        ds = pydicom.dcmread(io.BytesIO(b))
        hu = ds.pixel_array.astype(np.float32) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
        series.setdefault(ds.SeriesInstanceUID, []).append((float(ds.ImagePositionPatient[2]), hu))
    return [np.stack([h for _, h in sorted(s, key=lambda x: x[0])]) for s in series.values()]
best = 1e9
for _ in range(${REPEATS}):
    t = time.perf_counter(); run(); best = min(best, time.perf_counter() - t)
print(best)
`,
);
let pyVersion = 'not installed (run scripts/setup.d/python.sh)';
try {
  const seconds = Number(
    execFileSync(py, [script], { input: JSON.stringify(paths) })
      .toString()
      .trim(),
  );
  pyVersion = execFileSync(py, ['-c', 'import pydicom, numpy; print(pydicom.__version__, numpy.__version__)'])
    .toString()
    .trim();
  add('pydicom', 'dcmread + pixel_array + rescale + stack, in memory', seconds);
} catch (err) {
  console.error(`pydicom skipped: ${err.message.split('\n')[0]}`);
}

console.log(`${files.length} files, ${mb.toFixed(1)} MB (LIDC-IDRI 0001/0002/0003 slabs, explicit VR little endian)`);
console.log(
  `machine: ${cpus()[0].model}, ${cpus().length} cores; node ${process.version}; pydicom/numpy ${pyVersion}; best of ${REPEATS}`,
);
console.log('| tool | what | seconds | MB/s |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.tool} | ${r.what} | ${r.seconds.toFixed(3)} | ${r.mbs.toFixed(1)} |`);
