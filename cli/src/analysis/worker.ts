import { parentPort } from 'node:worker_threads';
import { huBandMethod, kmeansMethod, type AnalysisResult, type HuVolume, type LesionMethod } from '@mic/analysis';
import { readHu, type DicomFile } from '@mic/dicom';

// Runs decode and per-slab lesion tasks for the analyze command's pool (pool.ts).
const METHODS: Record<string, LesionMethod> = { hu: huBandMethod, kmeans: kmeansMethod };

export type Task =
  | { kind: 'decode'; file: DicomFile }
  | { kind: 'lesions'; method: string; hu: HuVolume; lungs: AnalysisResult['lungs'] };

async function run(task: Task): Promise<{ result: unknown; transfer: ArrayBuffer[] }> {
  if (task.kind === 'decode') {
    const hu = await readHu(task.file);
    return { result: hu, transfer: hu.frames.map((f) => f.buffer as ArrayBuffer) };
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
