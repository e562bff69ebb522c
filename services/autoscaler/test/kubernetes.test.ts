import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubernetesError, readScale, writeScale, type KubernetesAccess } from '@mic/autoscaler';

// A loopback stand-in for the API server's scale subresource: what the client sends is what it checks.
describe('kubernetes scale client', () => {
  let server: Server;
  let access: KubernetesAccess;
  let replicas = 2;
  const seen: { method?: string; url?: string; auth?: string; type?: string; body: string }[] = [];
  let tokens = 0;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({
          method: req.method,
          url: req.url,
          auth: req.headers.authorization,
          type: req.headers['content-type'],
          body,
        });
        if (!req.url?.endsWith('/deployments/mic-worker/scale')) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ kind: 'Status', message: 'deployments.apps "other" not found' }));
          return;
        }
        if (req.method === 'PATCH') replicas = (JSON.parse(body) as { spec: { replicas: number } }).spec.replicas;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Scale', spec: { replicas }, status: { replicas: 1 } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    access = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      namespace: 'research',
      token: async () => `token-${++tokens}`,
    };
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads the scale subresource with a fresh token', async () => {
    expect(await readScale(access, 'mic-worker')).toEqual({ replicas: 2, running: 1 });
    expect(seen.at(-1)).toMatchObject({
      method: 'GET',
      url: '/apis/apps/v1/namespaces/research/deployments/mic-worker/scale',
      auth: 'Bearer token-1',
    });
    await readScale(access, 'mic-worker');
    expect(seen.at(-1)?.auth).toBe('Bearer token-2');
  });

  it('sets replicas with a merge patch of spec.replicas only', async () => {
    await writeScale(access, 'mic-worker', 5);
    const sent = seen.at(-1)!;
    expect(sent.method).toBe('PATCH');
    expect(sent.type).toBe('application/merge-patch+json');
    expect(JSON.parse(sent.body)).toEqual({ spec: { replicas: 5 } });
    expect((await readScale(access, 'mic-worker')).replicas).toBe(5);
  });

  it("reports the API server's refusal with its status and message", async () => {
    const err = await readScale(access, 'other').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubernetesError);
    expect((err as KubernetesError).status).toBe(404);
    expect((err as Error).message).toMatch(/deployments.apps "other" not found/);
  });

  it('fails clearly when the API server is not reachable', async () => {
    const away = { ...access, url: 'http://127.0.0.1:9' };
    await expect(readScale(away, 'mic-worker')).rejects.toThrow(/ECONNREFUSED/);
  });
});
