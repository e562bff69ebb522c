import type { Config } from '@mic/config';
import { orthancAuthHeader, orthancJson, orthancUrl } from '@mic/pacs';

export interface StoredInstance {
  id: string;
  status: string;
  parentStudy: string;
}

/** Sends one DICOM object to Orthanc's REST API (POST /instances, basic auth). */
export async function postInstance(config: Config, bytes: Uint8Array, timeoutMs = 60_000): Promise<StoredInstance> {
  const res = await fetch(`${orthancUrl(config)}/instances`, {
    method: 'POST',
    headers: { authorization: orthancAuthHeader(config), 'content-type': 'application/dicom' },
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

export function orthancSystem(config: Config): Promise<unknown> {
  return orthancJson(config, '/system', {}, 3000);
}
