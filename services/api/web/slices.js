// The analysed CT as scrollable axial slices with the label maps over them (the worker's slices.bin.gz). Pure
// functions for reading and drawing, then the control that shows them on a canvas.

const MAGIC = 'MIC-SLICES 1';
const GGO = [255, 220, 0];
const CONSOLIDATION = [255, 40, 40];
const OUTLINE = { 1: [80, 170, 255], 2: [80, 255, 120] };

/** Decompresses gzip bytes (the browser's own decompression; Node has it too). */
export async function gunzip(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The header and the grey and label planes of an uncompressed slice stack; throws on anything else. */
export function parseSliceStack(raw) {
  const first = raw.indexOf(10);
  const second = first < 0 ? -1 : raw.indexOf(10, first + 1);
  const text = (a, b) => new TextDecoder().decode(raw.subarray(a, b));
  if (first < 0 || second < 0 || text(0, first) !== MAGIC) throw new Error('not a mic slice stack');
  const header = JSON.parse(text(first + 1, second));
  const n = header.width * header.height * header.slices;
  if (!(n > 0) || raw.length !== second + 1 + 2 * n) throw new Error('slice stack is truncated or malformed');
  return {
    header,
    grey: raw.subarray(second + 1, second + 1 + n),
    labels: raw.subarray(second + 1 + n, second + 1 + 2 * n),
  };
}

/**
 * RGBA pixels of slice `s`: grey, GGO and consolidation tinted, each lung outlined (or the CT alone). A label byte
 * holds the lung in bits 0-1 (1 right, 2 left) and the lesion in bits 2-3 (1 GGO, 2 consolidation).
 */
export function sliceRgba(stack, s, overlay = true) {
  const { width: w, height: h } = stack.header;
  const off = s * w * h;
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const q = off + y * w + x;
      const g = stack.grey[q];
      let c = [g, g, g];
      const l = stack.labels[q];
      const side = l & 3;
      const lesion = l >> 2;
      if (overlay && lesion) c = c.map((v, t) => 0.45 * v + 0.55 * (lesion === 1 ? GGO : CONSOLIDATION)[t]);
      if (overlay && side) {
        // a pixel of one lung next to one that is not of it draws that lung's outline
        const other = (p) => (stack.labels[p] & 3) !== side;
        if (
          (x > 0 && other(q - 1)) ||
          (x < w - 1 && other(q + 1)) ||
          (y > 0 && other(q - w)) ||
          (y < h - 1 && other(q + w))
        )
          c = OUTLINE[side];
      }
      out.set([c[0], c[1], c[2], 255], 4 * (y * w + x));
    }
  return out;
}

/** Shows a stack in `host`: a canvas, a slider, the slice's position, an overlay switch; wheel and arrow keys scroll. */
export function mountSlices(host, stack) {
  const { width: w, height: h, slices, sliceMm } = stack.header;
  host.innerHTML =
    `<canvas width="${w}" height="${h}" tabindex="0" aria-label="axial slices"></canvas>` +
    `<div class="slice-controls"><input type="range" min="1" max="${slices}" value="${Math.ceil(slices / 2)}">` +
    '<span class="slice-pos"></span><label><input type="checkbox" checked> overlay</label></div>';
  const canvas = host.querySelector('canvas');
  const range = host.querySelector('input[type=range]');
  const overlay = host.querySelector('input[type=checkbox]');
  const pos = host.querySelector('.slice-pos');
  const ctx = canvas.getContext('2d');
  const draw = () => {
    const s = Number(range.value) - 1;
    ctx.putImageData(new ImageData(sliceRgba(stack, s, overlay.checked), w, h), 0, 0);
    pos.textContent = `slice ${s + 1} / ${slices} (${(s * sliceMm).toFixed(1)} mm below the top)`;
  };
  const move = (d) => {
    range.value = String(Math.min(slices, Math.max(1, Number(range.value) + d)));
    draw();
  };
  range.addEventListener('input', draw);
  overlay.addEventListener('change', draw);
  canvas.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      move(Math.sign(e.deltaY));
    },
    { passive: false },
  );
  canvas.addEventListener('keydown', (e) => {
    const d = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1, PageDown: 10, PageUp: -10 }[e.key];
    if (!d) return;
    e.preventDefault();
    move(d);
  });
  draw();
}
