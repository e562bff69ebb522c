import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@mic/config';
import { Results, sameGrid, type Awaiting } from '../src/edge/results.js';

// The platform's answers about a series, served on loopback; what the edge says and keeps waiting for is checked.
const answers: Record<string, { status: number; body?: unknown }> = {
  '/api/v1/studies/1/series/1': { status: 200, body: { series: { selected: true }, analyses: [] } },
  '/api/v1/studies/1/series/2': {
    status: 200,
    body: { series: { selected: false, notAnalysedReason: 'scout' }, analyses: [] },
  },
  '/api/v1/studies/1/series/3': {
    status: 200,
    body: { series: { selected: true }, analyses: [{ id: 9, status: 'failed', error: 'no lung' }] },
  },
  '/api/v1/studies/1/series/4': { status: 404, body: { error: 'no study' } },
  '/api/v1/studies/1/series/5': { status: 500, body: { error: 'boom' } },
};
let server: Server;
const asked: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    asked.push(`${req.url} ${req.headers.authorization}`);
    const a = answers[req.url ?? ''] ?? { status: 404 };
    res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body ?? {}));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function results(waitMs = 3_600_000) {
  const said: string[] = [];
  const { port } = server.address() as AddressInfo;
  const r = new Results(
    loadConfig(),
    { apiUrl: `http://127.0.0.1:${port}/`, waitMs, everyMs: 30_000 },
    async () => 'tok',
    (line) => said.push(line),
  );
  return { r, said };
}

const waiting = (n: number, since = 0): Awaiting => ({ href: `/api/v1/studies/1/series/${n}`, since });

describe('edge results', () => {
  it('waits for queued and failed analyses, drops what will not come, and says each change once', async () => {
    const { r, said } = results();
    const awaiting: Record<string, Awaiting> = {};
    for (const n of [1, 2, 3, 4, 5]) awaiting[`s${n}`] = waiting(n, 1000);
    expect(await r.collect(awaiting, 2000)).toEqual({ results: 0, notices: 0, givenUp: 0 });
    expect(Object.keys(awaiting).sort()).toEqual(['s1', 's3', 's5']);
    expect(said).toEqual([
      'series s1: not queued yet',
      'series s2: not analysed: scout',
      'series s3: analysis failed: no lung',
      'series s4: the platform has no such series (erased?)',
      'series s5: no result yet: platform API /api/v1/studies/1/series/5: HTTP 500: boom',
    ]);
    expect(asked.every((a) => a.endsWith('Bearer tok'))).toBe(true);
    // not asked again before its time; asked again after, and the same state is not said twice
    const before = asked.length;
    await r.collect(awaiting, 2000 + 29_000);
    expect(asked.length).toBe(before);
    await r.collect(awaiting, 2000 + 31_000);
    expect(asked.length).toBe(before + 3);
    expect(said).toHaveLength(5);
  });

  it('asks less often about a series that has waited long', async () => {
    const hour = 3_600_000;
    const { r } = results(24 * hour);
    const awaiting = { s1: waiting(1, 0) };
    const before = asked.length;
    await r.collect(awaiting, hour);
    expect(awaiting.s1.next).toBe(hour + 180_000); // a twentieth of the hour, not every 30 s
    await r.collect(awaiting, hour + 60_000);
    expect(asked.length).toBe(before + 1);
    await r.collect(awaiting, 10 * hour);
    expect(awaiting.s1.next).toBe(10 * hour + 600_000); // at most every 10 min
  });

  it('gives up after the wait, saying what it last saw', async () => {
    const { r, said } = results(60_000);
    const awaiting = { s1: waiting(1, 0) };
    expect(await r.collect(awaiting, 70_000)).toEqual({ results: 0, notices: 0, givenUp: 1 });
    expect(awaiting).toEqual({});
    expect(said).toEqual(['series s1: given up after 1 min: not queued yet']);
  });

  it('stops the round when the platform cannot be reached, keeping the series', async () => {
    const r = new Results(
      loadConfig(),
      { apiUrl: 'http://127.0.0.1:1', waitMs: 1e9, everyMs: 0 },
      async () => 'tok',
      () => undefined,
    );
    const awaiting = { s1: waiting(1) };
    await expect(r.collect(awaiting)).rejects.toThrow(/platform API not reachable at http:\/\/127.0.0.1:1\/api/);
    expect(Object.keys(awaiting)).toEqual(['s1']);
  });

  it('compares grids by size, origin and spacing', () => {
    const v = { dims: [2, 2, 2], origin: [0, 0, 0], spacing: [1, 1, 2] } as never;
    expect(sameGrid(v, { dims: [2, 2, 2], origin: [0, 0, 0.001], spacing: [1, 1, 2] } as never)).toBe(true);
    expect(sameGrid(v, { dims: [2, 2, 3], origin: [0, 0, 0], spacing: [1, 1, 2] } as never)).toBe(false);
    expect(sameGrid(v, { dims: [2, 2, 2], origin: [0, 0, 1], spacing: [1, 1, 2] } as never)).toBe(false);
    expect(sameGrid(v, { dims: [2, 2, 2], origin: [0, 0, 0], spacing: [1, 1, 2.5] } as never)).toBe(false);
  });
});
