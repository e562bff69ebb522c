import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAutoscaler, type AutoscalerService } from '@mic/autoscaler';
import { analysisQueue, analysisWorker, enqueueAnalysis, type AnalysisJob, type Lane } from '@mic/queue';
import type { Queue, Worker } from 'bullmq';
import { requireService } from './support/stack.js';
import { freePort, isolatedConfig, waitFor } from './support/ingest.js';

jest.setTimeout(120_000);

const job = (n: number, lane: Lane): AnalysisJob => ({
  studyId: n,
  seriesId: n,
  studyUid: `2.25.${n}`,
  seriesUid: `2.25.${n}.1`,
  society: 'A',
  bucket: 'mic',
  objectKeys: [`dicom/${n}.dcm`],
  lane,
  analysisVersion: '1',
  revision: 1,
  correlationId: `study-${n}`,
});

const get = async (port: number, path: string) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, text: await res.text() };
};

// The queue is real Redis; the Deployment is a loopback stand-in for the API server's scale subresource (there is
// no Kubernetes here), so what the autoscaler sends can be checked.
describe('autoscaler on a real queue', () => {
  let queue: Queue<AnalysisJob>;
  let worker: Worker<AnalysisJob> | undefined;
  let scaler: AutoscalerService | undefined;
  let apiServer: Server;
  let replicas = 1;
  const patches: number[] = [];
  const release: (() => void)[] = [];

  beforeAll(async () => {
    await requireService('redis');
    apiServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.method === 'PATCH') {
          replicas = (JSON.parse(body) as { spec: { replicas: number } }).spec.replicas;
          patches.push(replicas);
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Scale', spec: { replicas }, status: { replicas } }));
      });
    });
    await new Promise<void>((resolve) => apiServer.listen(0, '127.0.0.1', () => resolve()));
  });

  afterAll(async () => {
    release.forEach((r) => r());
    await worker?.close();
    await scaler?.stop();
    await queue?.obliterate({ force: true });
    await queue?.close();
    await new Promise<void>((resolve) => apiServer.close(() => resolve()));
  });

  it('sizes the workers by lane: clinical jobs get a worker each, the research backlog queues', async () => {
    const config = await isolatedConfig({
      autoscaler: { port: await freePort(), mode: 'kubernetes', jobsPerReplica: 4, maxReplicas: 6 },
      worker: { concurrency: 2 },
    });
    queue = analysisQueue(config);
    for (let n = 1; n <= 10; n++) await enqueueAnalysis(queue, job(n, 'research'));
    for (let n = 11; n <= 13; n++) await enqueueAnalysis(queue, job(n, 'clinical'));
    const url = `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`;
    scaler = await startAutoscaler(config, {
      loop: false,
      kubernetes: { url, namespace: 'mic', token: async () => 'sa-token' },
    });

    const first = await scaler.tick();
    expect(first.load).toEqual({ clinicalWaiting: 3, researchWaiting: 10, active: 0, delayed: 0 });
    // 13 jobs at 4 per replica: 4 replicas; the 3 clinical jobs alone would need 2 (two slots each).
    expect(first.decision.replicas).toBe(4);
    expect(first.current).toBe(1);
    expect(first.scaled).toBe(true);
    expect(patches).toEqual([4]);

    // A real worker with two slots takes the clinical jobs first and holds them.
    worker = analysisWorker(config, () => new Promise<void>((resolve) => release.push(resolve)), { concurrency: 2 });
    await waitFor('two jobs running', 20_000, async () => (release.length === 2 ? true : undefined));
    const busy = await scaler.tick();
    expect(busy.load).toMatchObject({ clinicalWaiting: 1, researchWaiting: 10, active: 2 });
    expect(busy.scaled).toBe(false); // still 4: no patch when the count is already right
    expect(patches).toEqual([4]);

    const status = JSON.parse((await get(scaler.port, '/status')).text) as { last: { decision: { replicas: number } } };
    expect(status.last.decision.replicas).toBe(4);
    const metrics = (await get(scaler.port, '/metrics')).text;
    expect(metrics).toMatch(/mic_autoscaler_queue_jobs\{lane="clinical",state="waiting"[^}]*\} 1/);
    expect(metrics).toMatch(/mic_autoscaler_scale_total\{direction="up"[^}]*\} 1/);
    expect((await get(scaler.port, '/readyz')).status).toBe(200);
  });

  it('changes nothing and keeps serving while Redis is away', async () => {
    const config = await isolatedConfig({
      autoscaler: { port: await freePort(), intervalMs: 100 },
      redis: { port: await freePort() }, // nothing listens there
    });
    const away = await startAutoscaler(config, { loop: false });
    try {
      await expect(away.tick()).rejects.toThrow(/queue: no answer within 2000 ms/);
      expect(away.last()).toBeUndefined();
      expect((await get(away.port, '/healthz')).status).toBe(200);
      const ready = await get(away.port, '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.text).toMatch(/"queue"/);
      expect((await get(away.port, '/metrics')).text).toMatch(/mic_autoscaler_errors_total\{source="queue"/);
    } finally {
      await away.stop();
    }
  });
});
