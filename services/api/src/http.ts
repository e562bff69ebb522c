import type { ServerResponse } from 'node:http';

/** A refusal with the HTTP status to answer and a message meant for the caller. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra response headers (Retry-After of a 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

// JSON answers carry study data: never cached by a browser or proxy.
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
    .end(JSON.stringify(body));
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  '57P01', // PostgreSQL: admin shutdown
  '57P03', // PostgreSQL: cannot connect now
]);

/** Whether an error means a backing server did not answer (503 to the caller), rather than a fault of ours. */
export function isUnreachable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; errors?: unknown[] };
  if (typeof e?.code === 'string' && UNREACHABLE.has(e.code)) return true;
  if (Array.isArray(e?.errors) && e.errors.some(isUnreachable)) return true; // AggregateError of a dual-stack connect
  const msg = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/.test(msg);
}

/** A positive integer query parameter within bounds, or the default when absent. */
export function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw new HttpError(400, `${name} must be an integer from ${min} to ${max}`);
  return Number(raw);
}

/** A share of the lungs in %, 0-100, or null when not given. */
export function percentParam(url: URL, name: string): number | null {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return null;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0 || v > 100) throw new HttpError(400, `${name} must be a number from 0 to 100`);
  return v;
}
