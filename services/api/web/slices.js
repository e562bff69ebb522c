// The analysed CT as scrollable axial slices with the label maps over them (the worker's slices.bin.gz). Pure
// functions for reading and drawing, then the control that shows them on a canvas.

import { escapeHtml } from './render.js';

const MAGICS = ['MIC-SLICES 1', 'MIC-SLICES 2'];
const GGO = [255, 220, 0];
const CONSOLIDATION = [255, 40, 40];
const OUTLINE = { 1: [80, 170, 255], 2: [80, 255, 120] };

/** Decompresses gzip bytes (the browser's own decompression; Node has it too). */
export async function gunzip(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The header, the grey plane of each window and the label plane of an uncompressed slice stack; throws on anything
 * else. Version 1 (analyses written before the mediastinal window) holds one grey plane, the lung window.
 */
export function parseSliceStack(raw) {
  const first = raw.indexOf(10);
  const second = first < 0 ? -1 : raw.indexOf(10, first + 1);
  const text = (a, b) => new TextDecoder().decode(raw.subarray(a, b));
  const version = first < 0 || second < 0 ? -1 : MAGICS.indexOf(text(0, first)) + 1;
  if (version < 1) throw new Error('not a mic slice stack');
  const header = JSON.parse(text(first + 1, second));
  const windows = version === 1 ? [{ name: 'lung', ...header.window }] : header.windows;
  const n = header.width * header.height * header.slices;
  if (!(n > 0) || !windows?.length || raw.length !== second + 1 + (windows.length + 1) * n)
    throw new Error('slice stack is truncated or malformed');
  const at = (i) => raw.subarray(second + 1 + i * n, second + 1 + (i + 1) * n);
  const greys = windows.map((w, i) => ({ ...w, plane: at(i) }));
  return { header, greys, grey: greys[0].plane, labels: at(windows.length) };
}

/**
 * Width, height and stack index of each pixel of one view: an axial slice `s` as stored, or the coronal section
 * through row `s` (superior at the top, one pixel row per slice).
 */
export function view(stack, plane, s) {
  const { width: w, height: h, slices } = stack.header;
  return plane === 'coronal'
    ? { width: w, height: slices, count: h, at: (x, y) => y * w * h + s * w + x }
    : { width: w, height: h, count: slices, at: (x, y) => s * w * h + y * w + x };
}

/**
 * RGBA pixels of a view (axial slice by default) in one of the stack's windows (the first by default): grey, GGO and
 * consolidation tinted, each lung outlined (or the CT alone). A label byte holds the lung in bits 0-1 (1 right, 2
 * left) and the lesion in bits 2-3 (1 GGO, 2 consolidation).
 */
export function sliceRgba(stack, s, overlay = true, plane = 'axial', window = 0) {
  const { width: w, height: h, at } = view(stack, plane, s);
  const grey = stack.greys[window].plane;
  const out = new Uint8ClampedArray(w * h * 4);
  const sideAt = (x, y) => stack.labels[at(x, y)] & 3;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const q = at(x, y);
      const g = grey[q];
      let c = [g, g, g];
      const l = stack.labels[q];
      const side = l & 3;
      const lesion = l >> 2;
      if (overlay && lesion) c = c.map((v, t) => 0.45 * v + 0.55 * (lesion === 1 ? GGO : CONSOLIDATION)[t]);
      // a pixel of one lung next to one that is not of it draws that lung's outline
      if (
        overlay &&
        side &&
        ((x > 0 && sideAt(x - 1, y) !== side) ||
          (x < w - 1 && sideAt(x + 1, y) !== side) ||
          (y > 0 && sideAt(x, y - 1) !== side) ||
          (y < h - 1 && sideAt(x, y + 1) !== side))
      )
        c = OUTLINE[side];
      out.set([c[0], c[1], c[2], 255], 4 * (y * w + x));
    }
  return out;
}

/**
 * Shows a stack in `host`: a canvas, axial or coronal, the window, a slider, the position, an overlay switch; the
 * mouse wheel and the arrow keys move through it, W switches the window. Coronal sections are stretched to true
 * proportions.
 */
export function mountSlices(host, stack) {
  const { slices, sliceMm, pixelMm } = stack.header;
  host.innerHTML =
    `<canvas tabindex="0" aria-label="CT slices"></canvas>` +
    '<div class="slice-controls"><select class="plane"><option value="axial">axial</option><option value="coronal">coronal</option></select>' +
    `<select class="window" aria-label="window">${stack.greys
      .map((g, i) => `<option value="${i}">${escapeHtml(g.name)} W${g.width} L${g.center}</option>`)
      .join('')}</select>` +
    `<input type="range" min="1"><span class="slice-pos"></span><label><input type="checkbox" checked> overlay</label></div>`;
  const canvas = host.querySelector('canvas');
  const plane = host.querySelector('select.plane');
  const windowSelect = host.querySelector('select.window');
  const range = host.querySelector('input[type=range]');
  const overlay = host.querySelector('input[type=checkbox]');
  const pos = host.querySelector('.slice-pos');
  const ctx = canvas.getContext('2d');
  const draw = () => {
    const s = Number(range.value) - 1;
    const v = view(stack, plane.value, s);
    canvas.width = v.width;
    canvas.height = v.height;
    canvas.style.aspectRatio = `${v.width * pixelMm[0]} / ${v.height * (plane.value === 'coronal' ? sliceMm : pixelMm[1])}`;
    const rgba = sliceRgba(stack, s, overlay.checked, plane.value, Number(windowSelect.value));
    ctx.putImageData(new ImageData(rgba, v.width, v.height), 0, 0);
    pos.textContent =
      plane.value === 'coronal'
        ? `section ${s + 1} / ${v.count} (${(s * pixelMm[1]).toFixed(1)} mm behind the front of the image)`
        : `slice ${s + 1} / ${slices} (${(s * sliceMm).toFixed(1)} mm below the top)`;
  };
  const reset = () => {
    const count = view(stack, plane.value, 0).count;
    range.max = String(count);
    range.value = String(Math.ceil(count / 2));
    draw();
  };
  const move = (d) => {
    range.value = String(Math.min(Number(range.max), Math.max(1, Number(range.value) + d)));
    draw();
  };
  range.addEventListener('input', draw);
  overlay.addEventListener('change', draw);
  windowSelect.addEventListener('change', draw);
  plane.addEventListener('change', reset);
  canvas.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      move(Math.sign(e.deltaY));
    },
    { passive: false },
  );
  canvas.addEventListener('keydown', (e) => {
    if (e.key === 'w' || e.key === 'W') {
      windowSelect.value = String((Number(windowSelect.value) + 1) % stack.greys.length);
      draw();
      return;
    }
    const d = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1, PageDown: 10, PageUp: -10 }[e.key];
    if (!d) return;
    e.preventDefault();
    move(d);
  });
  reset();
}
