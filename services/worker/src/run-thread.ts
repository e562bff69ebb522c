import { Worker } from 'node:worker_threads';
import type { InputMessage, RestoreReply, ThreadInput, ThreadMessage } from './protocol.js';

export type ThreadResult = Extract<ThreadMessage, { type: 'done' }>;

export class ThreadError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** The error class thrown in the thread (DicomError, RangeError...), when it came from there. */
    readonly origin = 'ThreadError',
  ) {
    super(message);
    this.name = 'ThreadError';
  }
}

export interface ThreadHooks {
  onStage?: (stage: string, index: number, count: number) => void;
  /** Answers the thread's request for original identifiers (only asked when `restore` is set). */
  originals?: (
    uids: string[],
    patientPseudonym: string,
  ) => Promise<Omit<Extract<RestoreReply, { uids: unknown }>, 'type'>>;
  timeoutMs: number;
  /** Aborts the analysis (service stopping): the thread is terminated and the promise rejects. */
  signal?: AbortSignal;
}

/** Hands each instance to the thread as soon as it is loaded (its buffer transferred, not copied). */
export type Feed = (send: (index: number, name: string, bytes: Uint8Array) => void) => Promise<unknown>;

/**
 * Runs one analysis in a fresh worker thread; its memory is returned to the system when it ends. The thread starts
 * before the instances are loaded and decodes each as it arrives; `feed` failing fails the analysis.
 */
export function runAnalysisThread(input: ThreadInput, hooks: ThreadHooks, feed: Feed): Promise<ThreadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./thread.js', import.meta.url), { workerData: input });
    let settled = false;
    const finish = (err: Error | undefined, value?: ThreadResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      hooks.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(
      () => finish(new ThreadError(`analysis did not finish within ${hooks.timeoutMs} ms`, 'TIMEOUT')),
      hooks.timeoutMs,
    );
    const onAbort = () => finish(new ThreadError('analysis stopped: the worker is shutting down', 'STOPPED'));
    hooks.signal?.addEventListener('abort', onAbort);
    worker.on('message', (m: ThreadMessage) => {
      if (m.type === 'stage') hooks.onStage?.(m.stage, m.index, m.count);
      else if (m.type === 'need') {
        if (!hooks.originals) {
          worker.postMessage({ type: 'restore', error: 'original identifiers are not available' });
          return;
        }
        hooks.originals(m.uids, m.patient).then(
          (r) => worker.postMessage({ type: 'restore', ...r } satisfies RestoreReply),
          (err: Error) => worker.postMessage({ type: 'restore', error: err.message } satisfies RestoreReply),
        );
      } else if (m.type === 'done') finish(undefined, m);
      else finish(new ThreadError(m.message, m.code, m.name));
    });
    let count = 0;
    feed((index, name, bytes) => {
      if (settled) return;
      count++;
      worker.postMessage({ type: 'input', index, name, bytes } satisfies InputMessage, [bytes.buffer as ArrayBuffer]);
    }).then(
      () => !settled && worker.postMessage({ type: 'inputs-end', count } satisfies InputMessage),
      (err: Error) => finish(err),
    );
    worker.on('error', (err) => finish(new ThreadError(err.message, 'THREAD_CRASH')));
    worker.on('exit', (code) => finish(new ThreadError(`analysis thread exited with code ${code}`, 'THREAD_EXIT')));
  });
}
