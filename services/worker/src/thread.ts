import { parentPort, workerData } from 'node:worker_threads';
import {
  axialMosaic,
  comparisonText,
  compareReadings,
  coronalView,
  readingOf,
  sliceStack,
  type AnalysisReport,
} from '@mic/analysis';
import { parseDicom, readHu, type DicomFile, type HuFrames } from '@mic/dicom';
import { AnalysisInputError, analyseSeries, derivedObjects, type SourceInput } from './analyse.js';
import { referencedUids, restoreSource } from './identity.js';
import type { InputMessage, RestoreReply, ThreadInput, ThreadMessage } from './protocol.js';

// Runs one analysis off the service's event loop, so health checks and queue lock renewals keep being answered.
const port = parentPort!;
const input = workerData as ThreadInput;
const send = (m: ThreadMessage) => port.postMessage(m);

function askOriginals(uids: string[], patient: string): Promise<RestoreReply> {
  return new Promise((resolve) => {
    port.once('message', (m: RestoreReply) => resolve(m));
    send({ type: 'need', uids, patient });
  });
}

/**
 * The job's instances as the service loads them, in the job's order. Each is parsed and decoded on arrival, while the
 * rest still load; what does not parse is left to assembleSeries, which reports it.
 */
function receiveInputs(): Promise<{ inputs: SourceInput[]; decode: (f: DicomFile) => Promise<HuFrames> }> {
  return new Promise((resolve, reject) => {
    const inputs: SourceInput[] = [];
    const decoded = new Map<DicomFile, Promise<HuFrames>>();
    let voxels = 0;
    const onMessage = (m: InputMessage) => {
      if (m.type === 'inputs-end') {
        port.off('message', onMessage);
        if (voxels > input.maxVoxels) {
          const why = `series too large to analyse: ${voxels} voxels, this worker takes at most ${input.maxVoxels}`;
          reject(new AnalysisInputError(`${why} (worker.maxVoxels)`));
          return;
        }
        const decode = (f: DicomFile) => {
          const hu = decoded.get(f) ?? readHu(f);
          decoded.delete(f);
          return hu;
        };
        resolve({ inputs: inputs.filter(Boolean), decode });
        return;
      }
      inputs[m.index] = { name: m.name, bytes: m.bytes };
      try {
        const file = parseDicom(m.bytes);
        voxels += imageVoxels(file);
        inputs[m.index].file = file;
        if (voxels > input.maxVoxels) {
          decoded.clear(); // refused at the end: decode nothing more
          return;
        }
        const hu = readHu(file);
        hu.catch(() => undefined); // non-image objects: assembleSeries skips them and never asks
        decoded.set(file, hu);
      } catch {
        // not parsed: assembleSeries parses it again and reports why it is skipped
      }
    };
    port.on('message', onMessage);
  });
}

/** The change since the patient's CT before, in words; undefined when there is none. */
function sinceText(prior: ThreadInput['prior'], report: AnalysisReport): string | undefined {
  const current = readingOf(report);
  if (!prior || !current) return undefined;
  return comparisonText(compareReadings(prior.reading, current, prior.days));
}

/** Voxels of an image object (rows x columns x frames); 0 for objects without pixel data. */
function imageVoxels(file: DicomFile): number {
  if (!file.pixelData) return 0;
  const n = (k: string) => Number(file.dataset[k] ?? 1) || 1;
  return n('Rows') * n('Columns') * n('NumberOfFrames');
}

try {
  const received = await receiveInputs();
  const a = await analyseSeries(received.inputs, {
    seriesUid: input.seriesUid,
    method: input.method,
    onStage: (stage, index, count) => send({ type: 'stage', stage, index, count }),
    decode: received.decode,
  });
  received.inputs.length = 0; // the source bytes are no longer needed: let them go before writing outputs
  const dims = a.result.lungs.dims;
  const report = a.result.report;
  const changeSincePrior = sinceText(input.prior, report);
  const deid = derivedObjects(a.source, a.labels, { report, dims, changeSincePrior }, input.uids);
  const files: Record<string, Uint8Array> = {
    ...a.files,
    'seg.dcm': deid.seg,
    'sr.dcm': deid.sr,
    'report.json': new TextEncoder().encode(JSON.stringify(report, null, 2) + '\n'),
    // The same pictures, under the same names, as `mic analyze` writes.
    'axial.png': axialMosaic(a.result, a.series.volume.data),
    'coronal.png': coronalView(a.result, a.series.volume.data),
    // The viewer's scrollable slices with the label maps over them.
    'slices.bin.gz': sliceStack(a.result, a.series.volume.data),
  };
  let restored: Extract<ThreadMessage, { type: 'done' }>['restored'];
  if (input.restore) {
    const reply = await askOriginals(referencedUids(a.source), a.source.patientId ?? '');
    if ('error' in reply) throw new Error(reply.error);
    const source = restoreSource(a.source, new Map(reply.uids), reply.patient, reply.study);
    const out = derivedObjects(source, a.labels, { report, dims, changeSincePrior }, reply.derived);
    restored = { ...out, uids: reply.derived, studyUid: source.studyInstanceUid };
  }
  // Copied, not transferred: some outputs may be views of Node's shared buffer pool.
  send({ type: 'done', report, files, restored, changeSincePrior });
} catch (err) {
  const e = err as Error & { code?: unknown };
  send({
    type: 'error',
    message: e.message.split('\n')[0],
    code: typeof e.code === 'string' ? e.code : e.name,
    name: e.name,
  });
}
