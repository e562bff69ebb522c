import type { Logger } from '@mic/telemetry';
import type { WorkerContext } from './context.js';

// A server restarting or briefly unreachable: keep trying within the job (its lock keeps being renewed) rather than
// spending queue attempts, which are few and meant for failures of the analysis itself.
const TRANSIENT =
  /fetch failed|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|socket hang up|other side closed|timeout|HTTP_5\d\d|ServiceUnavailable|SlowDown/i;

export function isTransient(err: unknown): boolean {
  const e = err as Error & { code?: unknown; cause?: { code?: unknown } };
  return TRANSIENT.test(
    `${e?.message ?? ''} ${String(e?.code ?? '')} ${e?.name ?? ''} ${String(e?.cause?.code ?? '')}`,
  );
}

/** Runs `fn` again while it fails with a network error, up to `worker.retryUnreachableMs`, backing off to 10 s. */
export async function whileUnreachable<T>(
  ctx: WorkerContext,
  what: string,
  log: Logger,
  fn: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + ctx.config.worker.retryUnreachableMs;
  for (let n = 0; ; n++) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransient(err) || Date.now() > deadline || ctx.signal.aborted) throw err;
      const retryMs = Math.min(10_000, 250 * 2 ** n);
      if (n === 0) log.warn({ err: (err as Error).message, retryMs }, `${what}: server not reachable; retrying`);
      await new Promise((r) => setTimeout(r, retryMs));
    }
  }
}
