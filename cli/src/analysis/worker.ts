import { parentPort } from 'node:worker_threads';
import {
  huBandMethod,
  kmeansMethod,
  segmentHuSlice,
  unetProbabilities,
  type AnalysisResult,
  type HuVolume,
  type LesionMethod,
  type LesionOptions,
  type SliceLungOptions,
  type SliceModel,
  type UnetModel,
  type UnetPass,
} from '@mic/analysis';
import { readHu, type DicomFile } from '@mic/dicom';
import { loadModel } from './slice-models.js';

// Runs decode, per-slab lesion and per-slice tasks for the pool (pool.ts) of analyze and eval-slices.
const METHODS: Record<string, LesionMethod> = { hu: huBandMethod, kmeans: kmeansMethod };

export interface SliceTask {
  kind: 'slice';
  method: string;
  /** Model file of a supervised method; the shipped one when absent. */
  modelFile?: string;
  hu: Float32Array;
  width: number;
  height: number;
  spacingMm: number;
  lesion: LesionOptions;
  lung: SliceLungOptions;
}

/** Some of the unet's passes over one slice (`mic segment-slice`: the passes spread over the threads). */
export interface UnetPassTask extends Omit<SliceTask, 'kind' | 'method' | 'lesion' | 'lung'> {
  kind: 'unet-passes';
  passes: UnetPass[];
}

export type Task =
  | { kind: 'decode'; file: DicomFile }
  | { kind: 'lesions'; method: string; hu: HuVolume; lungs: AnalysisResult['lungs'] }
  | SliceTask
  | UnetPassTask;

// Parsed once per thread: a unet ensemble file is several MB of JSON.
const models = new Map<string, SliceModel | undefined>();

function model(method: string, file?: string): SliceModel | undefined {
  const key = `${method}\0${file ?? ''}`;
  if (!models.has(key)) models.set(key, loadModel(method, file));
  return models.get(key);
}

async function run(task: Task): Promise<{ result: unknown; transfer: ArrayBuffer[] }> {
  if (task.kind === 'decode') {
    const hu = await readHu(task.file);
    return { result: hu, transfer: hu.frames.map((f) => f.buffer as ArrayBuffer) };
  }
  if (task.kind === 'unet-passes') {
    const m = model('unet', task.modelFile) as UnetModel;
    const p = unetProbabilities(task.hu, task.width, task.height, task.spacingMm, m, false, false, task.passes);
    return { result: p, transfer: [p.buffer as ArrayBuffer] };
  }
  if (task.kind === 'slice') {
    const { method, lesion, lung } = task;
    const r = segmentHuSlice(task.hu, task.width, task.height, task.spacingMm, {
      method,
      model: model(method, task.modelFile),
      lesion,
      lung,
    });
    return { result: r, transfer: [r.lesions.buffer as ArrayBuffer, r.lungs.buffer as ArrayBuffer] };
  }
  const out = METHODS[task.method].partition(task.hu, task.lungs);
  return { result: out.data, transfer: [out.data.buffer as ArrayBuffer] };
}

parentPort?.on('message', (msg: { id: number; task: Task }) => {
  run(msg.task).then(
    ({ result, transfer }) => parentPort!.postMessage({ id: msg.id, result }, transfer),
    (err: unknown) => parentPort!.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
