// Writes holdout-<f>.txt (image stems of fold f) with mic's own fold assignment, so the PyTorch fold models and
// `mic eval-slices --cv` agree on which slices each fold left out.
// Usage: node training/unet/folds.mjs <images dir> <k> <seed> <out dir>
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { assignFolds } from '@mic/analysis';

const [dir, k = '5', seed = '1', out] = process.argv.slice(2);
if (!dir || !out) throw new Error('usage: folds.mjs <images dir> <k> <seed> <out dir>');
const names = readdirSync(dir)
  .filter((f) => !f.startsWith('.'))
  .map((f) => basename(f, extname(f)))
  .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
const fold = assignFolds(names.length, Number(k), Number(seed));
mkdirSync(out, { recursive: true });
for (let f = 0; f < Number(k); f++)
  writeFileSync(join(out, `holdout-${f}.txt`), names.filter((_, i) => fold[i] === f).join('\n') + '\n');
