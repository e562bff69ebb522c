// Picture of chosen slices: the image, its truth and the labels scored (`mic eval-slices --pred-out`), to read
// where a Dice was lost. Yellow GGO, red consolidation.
// Usage: node training/unet/panel.mjs <images dir> <labels dir> <pred dir> <eval-slices JSON> <out.png> <name...>
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { decodeGray, decodeLabels, drawText } from '@mic/analysis';

const [images, labels, pred, report, out, ...names] = process.argv.slice(2);
if (!names.length) throw new Error('usage: panel.mjs <images> <labels> <pred> <report.json> <out.png> <name...>');
const perImage = JSON.parse(readFileSync(report, 'utf8')).perImage;
const file = (dir, name) =>
  join(
    dir,
    readdirSync(dir).find((f) => f.replace(/\.[^.]+$/, '') === name),
  );
const T = 180;
const HEAD = 22;
const PAD = 4;
const W = 3 * T + 4 * PAD;
const H = names.length * (T + HEAD) + 30;
const png = new PNG({ width: W, height: H });
png.data.fill(0);
for (let p = 3; p < png.data.length; p += 4) png.data[p] = 255;
const COLOURS = [null, [255, 220, 0], [255, 40, 40]];
const f = (v) => (v === null ? 'N/A' : v.toFixed(2));
names.forEach((name, r) => {
  const img = decodeGray(readFileSync(file(images, name)));
  const truth = decodeLabels(readFileSync(file(labels, name))).pixels;
  const called = decodeLabels(readFileSync(join(pred, `${name}.png`))).pixels;
  const row = perImage.find((q) => q.name === name);
  const scale = Math.max(img.width, img.height) / T;
  const y0 = r * (T + HEAD) + HEAD;
  const head = `SLICE ${name}  TRUTH CONS ${row.pixels.truth.consolidation} PX  CALLED ${row.pixels.predicted.consolidation} PX  DICE GGO ${f(row.ggo)} CONS ${f(row.consolidation)}`;
  drawText(png.data, W, H, PAD, y0 - 16, head, [255, 255, 255], 1);
  [null, truth, called].forEach((lab, c) => {
    const x0 = PAD + c * (T + PAD);
    for (let y = 0; y < T; y++)
      for (let x = 0; x < T; x++) {
        const sx = Math.floor(x * scale);
        const sy = Math.floor(y * scale);
        if (sx >= img.width || sy >= img.height) continue;
        const i = sy * img.width + sx;
        const g = img.pixels[i];
        const l = lab ? lab[i] : 0;
        const col = l ? COLOURS[l].map((a) => 0.5 * g + 0.5 * a) : [g, g, g];
        png.data.set(col, 4 * (x0 + x + (y0 + y) * W));
      }
  });
});
drawText(
  png.data,
  W,
  H,
  PAD,
  H - 22,
  'IMAGE / TRUTH / LABELS SCORED   YELLOW GGO  RED CONSOLIDATION',
  [230, 230, 230],
  1,
);
writeFileSync(out, PNG.sync.write(png, { colorType: 2, deflateLevel: 9 }));
