import type { Config } from '@mic/config';

export interface StoredInstance {
  id: string;
  status: string;
  parentStudy: string;
}

/** Sends one DICOM object to Orthanc's REST API (POST /instances, basic auth). */
export async function postInstance(config: Config, bytes: Uint8Array, timeoutMs = 60_000): Promise<StoredInstance> {
  const { host, httpPort, username, password } = config.orthanc;
  const res = await fetch(`http://${host}:${httpPort}/instances`, {
    method: 'POST',
    headers: {
      authorization: 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64'),
      'content-type': 'application/dicom',
    },
    body: bytes,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok)
    throw Object.assign(new Error(`Orthanc refused the result: HTTP ${res.status} ${text.slice(0, 200)}`), {
      code: `HTTP_${res.status}`,
    });
  const body = JSON.parse(text) as { ID: string; Status: string; ParentStudy: string };
  return { id: body.ID, status: body.Status, parentStudy: body.ParentStudy };
}

export async function orthancSystem(config: Config): Promise<unknown> {
  const { host, httpPort, username, password } = config.orthanc;
  const res = await fetch(`http://${host}:${httpPort}/system`, {
    headers: { authorization: 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64') },
    signal: AbortSignal.timeout(3000),
  });
  if (!res.ok) throw new Error(`Orthanc: HTTP ${res.status}`);
  return res.json();
}
