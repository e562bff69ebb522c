import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { unetPasses, type AnalysisResult, type HuVolume, type UnetModel } from '@mic/analysis';
import type { DicomFile, HuFrames } from '@mic/dicom';
import { CliError } from '../errors.js';
import type { SliceTask, Task, UnetPassTask } from './worker.js';

type Labels = AnalysisResult['lungs'];

/** Slices added above and below each slab so that any in-plane or short-range 3D step sees the same context. */
const HALO = 4;

/** A copy of a dataset that a worker message can carry: dcmjs person names are objects with methods. */
function cloneable(ds: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ds)) {
    try {
      out[k] = structuredClone(v);
    } catch {
      out[k] = JSON.parse(JSON.stringify(v)) as unknown;
    }
  }
  return out;
}

/** A `--threads` value: an integer from 0 to 64 (0 or 1: no pool). */
export function threadCount(value: string, exitCode = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 64)
    throw new CliError(`--threads must be an integer from 0 to 64: ${value}`, exitCode);
  return n;
}

/**
 * A few worker threads for the parallel stages of `mic analyze` (decoding, lesions per slab), `eval-slices` (slices)
 * and `segment-slice` (the unet's passes).
 */
export class Pool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly load: number[];
  private next = 0;

  private constructor(script: string, n: number) {
    this.workers = Array.from({ length: n }, () => new Worker(script));
    this.load = this.workers.map(() => 0);
    this.workers.forEach((w, i) => {
      w.on('message', (m: { id: number; result?: unknown; error?: string }) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        this.load[i]--;
        if (m.error !== undefined) p?.reject(new Error(m.error));
        else p?.resolve(m.result);
      });
      w.on('error', (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
    });
  }

  /** A pool of `n` threads, or null when n < 2 or the compiled worker is not there (tests run the sources). */
  static open(n: number): Pool | null {
    const script = fileURLToPath(new URL('./worker.js', import.meta.url));
    if (n < 2 || !import.meta.url.endsWith('.js') || !existsSync(script)) return null;
    return new Pool(script, n);
  }

  get size(): number {
    return this.workers.length;
  }

  private submit<T>(task: Task, transfer: ArrayBuffer[] = []): Promise<T> {
    const id = this.next++;
    let w = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i] < this.load[w]) w = i;
    this.load[w]++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.workers[w].postMessage({ id, task }, transfer);
    });
  }

  decode(file: DicomFile): Promise<HuFrames> {
    const { meta, dataset, ...rest } = file;
    return this.submit<HuFrames>({
      kind: 'decode',
      file: { ...rest, meta: cloneable(meta), dataset: cloneable(dataset) },
    });
  }

  /** The lesion map of `method` computed per slab of slices (with a halo), one slab per thread. */
  async lesions(method: string, hu: HuVolume, lungs: Labels): Promise<Labels> {
    const [nx, ny, nz] = hu.dims;
    const nxy = nx * ny;
    const out = new Uint8Array(nxy * nz);
    const cuts = Array.from({ length: this.size + 1 }, (_, i) => Math.round((i * nz) / this.size));
    await Promise.all(
      cuts.slice(0, -1).map(async (k0, s) => {
        const k1 = cuts[s + 1];
        if (k1 <= k0) return;
        const a = Math.max(0, k0 - HALO);
        const b = Math.min(nz, k1 + HALO);
        const dims: [number, number, number] = [nx, ny, b - a];
        const huSlab = hu.data.slice(a * nxy, b * nxy);
        const lungSlab = lungs.data.slice(a * nxy, b * nxy);
        const d = hu.direction;
        const shift = a * hu.spacing[2];
        const origin: Labels['origin'] = [
          hu.origin[0] + d[2] * shift,
          hu.origin[1] + d[5] * shift,
          hu.origin[2] + d[8] * shift,
        ];
        const geometry = { spacing: hu.spacing, origin, direction: hu.direction, dims };
        const data = await this.submit<Uint8Array>(
          { kind: 'lesions', method, hu: { ...geometry, data: huSlab }, lungs: { ...geometry, data: lungSlab } },
          [huSlab.buffer as ArrayBuffer, lungSlab.buffer as ArrayBuffer],
        );
        out.set(data.subarray((k0 - a) * nxy, (k1 - a) * nxy), k0 * nxy);
      }),
    );
    return { ...lungs, data: out };
  }

  /** Lesion and lung labels of one 2D slice (`mic eval-slices`: one slice per thread at a time). */
  segmentSlice(task: Omit<SliceTask, 'kind'>): Promise<{ lesions: Uint8Array; lungs: Uint8Array }> {
    const hu = Float32Array.from(task.hu);
    return this.submit({ ...task, kind: 'slice', hu }, [hu.buffer as ArrayBuffer]);
  }

  /**
   * The unet's class probabilities of one slice with its passes spread over the threads: each thread averages its
   * share, weighted here by the passes it ran (the same mean as one thread, up to rounding).
   */
  async unetProbabilities(model: UnetModel, task: Omit<UnetPassTask, 'kind' | 'passes'>): Promise<Float32Array> {
    const all = unetPasses(model.mirror ?? false, model.flipRows ?? false);
    const groups = Array.from({ length: Math.min(this.size, all.length) }, (_, i) =>
      all.filter((_, j) => j % this.size === i),
    );
    const parts = await Promise.all(
      groups.map((passes) => this.submit<Float32Array>({ ...task, kind: 'unet-passes', passes })),
    );
    const out = new Float32Array(parts[0].length);
    parts.forEach((p, g) => {
      const w = groups[g].length / all.length;
      for (let i = 0; i < out.length; i++) out[i] += w * p[i];
    });
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
