import type { Config } from '@mic/config';

/** Orthanc's REST base URL from the config. */
export function orthancUrl(config: Config): string {
  return `http://${config.orthanc.host}:${config.orthanc.httpPort}`;
}

/** The basic-auth header for Orthanc's REST API. */
export function orthancAuthHeader(config: Config): string {
  return 'Basic ' + Buffer.from(`${config.orthanc.username}:${config.orthanc.password}`).toString('base64');
}

/**
 * A call to Orthanc's REST API with basic auth and a timeout. An Orthanc that cannot be reached, or a non-2xx answer,
 * throws with the reason (Orthanc's own description where it gives one).
 */
export async function orthancRequest(
  config: Config,
  path: string,
  init: RequestInit = {},
  timeoutMs = 30_000,
): Promise<Response> {
  const res = await fetch(orthancUrl(config) + path, {
    ...init,
    headers: { authorization: orthancAuthHeader(config), ...(init.headers ?? {}) },
    signal: AbortSignal.timeout(timeoutMs),
  }).catch((err: Error & { cause?: { code?: string } }) => {
    throw new Error(
      `Orthanc ${init.method ?? 'GET'} ${path}: not reachable at ${orthancUrl(config)} (${err.cause?.code ?? err.message})`,
    );
  });
  if (!res.ok) {
    // Orthanc describes its errors (HttpDescribeErrors): say why, e.g. a remote node that refused the association
    const body = (await res.json().catch(() => ({}))) as { Details?: string; Message?: string };
    const why = body.Details ?? body.Message;
    throw new Error(`Orthanc ${init.method ?? 'GET'} ${path}: HTTP ${res.status}${why ? `: ${why}` : ''}`);
  }
  return res;
}

/** A JSON call to Orthanc's REST API (orthancRequest, then the answer's JSON). */
export async function orthancJson(
  config: Config,
  path: string,
  init: RequestInit = {},
  timeoutMs = 30_000,
): Promise<unknown> {
  return (await orthancRequest(config, path, init, timeoutMs)).json();
}
export * from './remote.js';
