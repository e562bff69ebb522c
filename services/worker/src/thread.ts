import { parentPort, workerData } from 'node:worker_threads';
import { axialMosaic, coronalView } from '@mic/analysis';
import { analyseSeries, derivedObjects } from './analyse.js';
import { referencedUids, restoreSource } from './identity.js';
import type { RestoreReply, ThreadInput, ThreadMessage } from './protocol.js';

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

try {
  const a = await analyseSeries(input.inputs, {
    seriesUid: input.seriesUid,
    method: input.method,
    onStage: (stage, index, count) => send({ type: 'stage', stage, index, count }),
  });
  input.inputs.length = 0; // the source bytes are no longer needed: let them go before writing outputs
  const dims = a.result.lungs.dims;
  const deid = derivedObjects(a.source, a.labels, { report: a.result.report, dims }, input.uids);
  const report = a.result.report;
  const files: Record<string, Uint8Array> = {
    ...a.files,
    'seg.dcm': deid.seg,
    'sr.dcm': deid.sr,
    'report.json': new TextEncoder().encode(JSON.stringify(report, null, 2) + '\n'),
    // The same pictures, under the same names, as `mic analyze` writes.
    'axial.png': axialMosaic(a.result, a.series.volume.data),
    'coronal.png': coronalView(a.result, a.series.volume.data),
  };
  let restored: Extract<ThreadMessage, { type: 'done' }>['restored'];
  if (input.restore) {
    const reply = await askOriginals(referencedUids(a.source), a.source.patientId ?? '');
    if ('error' in reply) throw new Error(reply.error);
    const source = restoreSource(a.source, new Map(reply.uids), reply.patient, reply.study);
    const out = derivedObjects(source, a.labels, { report, dims }, reply.derived);
    restored = { ...out, uids: reply.derived, studyUid: source.studyInstanceUid };
  }
  // Copied, not transferred: some outputs may be views of Node's shared buffer pool.
  send({ type: 'done', report, files, restored });
} catch (err) {
  const e = err as Error & { code?: unknown };
  send({
    type: 'error',
    message: e.message.split('\n')[0],
    code: typeof e.code === 'string' ? e.code : e.name,
    name: e.name,
  });
}
