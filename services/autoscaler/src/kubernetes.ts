import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Where and as whom the autoscaler reaches the Kubernetes API. */
export interface KubernetesAccess {
  url: string;
  namespace: string;
  /** Read before each call: projected service-account tokens are rotated by the kubelet. */
  token: () => Promise<string>;
  ca?: Buffer;
}

export class KubernetesError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'KubernetesError';
  }
}

/** The in-cluster access of the pod's service account (or `url` when given, e.g. a `kubectl proxy`). */
export async function inClusterAccess(url?: string): Promise<KubernetesAccess> {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
  const base = url ?? (host ? `https://${host.includes(':') ? `[${host}]` : host}:${port}` : undefined);
  if (!base)
    throw new Error('not in a Kubernetes pod (KUBERNETES_SERVICE_HOST unset) and autoscaler.kubernetesUrl not set');
  const namespace = (await readFile(`${SERVICE_ACCOUNT}/namespace`, 'utf8').catch(() => 'default')).trim();
  const ca = await readFile(`${SERVICE_ACCOUNT}/ca.crt`).catch(() => undefined);
  return {
    url: base,
    namespace,
    ca,
    token: async () => (await readFile(`${SERVICE_ACCOUNT}/token`, 'utf8').catch(() => '')).trim(),
  };
}

async function call(access: KubernetesAccess, method: string, path: string, body?: unknown): Promise<unknown> {
  const url = new URL(path, access.url);
  const token = await access.token();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (payload) headers['content-type'] = 'application/merge-patch+json';
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method, headers, ca: access.ca, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(json);
        // The API server answers errors as a Status object whose message says what was refused.
        const message = (json as { message?: string } | undefined)?.message ?? text.slice(0, 200);
        reject(new KubernetesError(status, `${method} ${url.pathname}: ${status} ${message}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: no answer within 10 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

const scalePath = (a: KubernetesAccess, deployment: string) =>
  `/apis/apps/v1/namespaces/${encodeURIComponent(a.namespace)}/deployments/${encodeURIComponent(deployment)}/scale`;

/** The Deployment's replica count as set (spec) and as running (status). */
export async function readScale(
  access: KubernetesAccess,
  deployment: string,
): Promise<{ replicas: number; running: number }> {
  const scale = (await call(access, 'GET', scalePath(access, deployment))) as {
    spec?: { replicas?: number };
    status?: { replicas?: number };
  };
  return { replicas: scale?.spec?.replicas ?? 0, running: scale?.status?.replicas ?? 0 };
}

/** Sets the Deployment's replica count through its scale subresource (RBAC: deployments/scale get, patch). */
export async function writeScale(access: KubernetesAccess, deployment: string, replicas: number): Promise<void> {
  await call(access, 'PATCH', scalePath(access, deployment), { spec: { replicas } });
}
