import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyRound, writeState, type RoundResult } from '../src/edge/edge.js';
import { EdgeMonitor, serveMonitor } from '../src/edge/monitor.js';

const round = (r: Partial<RoundResult>): RoundResult => ({ ...emptyRound(), ...r });

/** The value of one sample line of Prometheus text, e.g. `mic_edge_rounds_total{outcome="ok"`. */
function sample(text: string, prefix: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(prefix) && /[ {,]/.test(l[prefix.length] ?? ''));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

function stateFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mic-edge-monitor-')), 'state.json');
  writeState(file, {
    since: 3,
    pending: { a: 1, b: 0 },
    sent: {},
    done: [],
    awaiting: { s1: { href: '/api/v1/studies/1/series/1', since: Date.now() - 120_000 } },
  });
  return file;
}

describe('edge monitor', () => {
  it('counts what went out and came back, and reads what waits from the state file', async () => {
    const file = stateFile();
    const m = new EdgeMonitor({ stateFile: file, staleMs: 60_000 });
    m.succeeded(round({ uploaded: 12, studiesDone: 1, bytesSent: 5000, resultsStored: 1 }));
    m.succeeded(round({ uploaded: 3, refused: 1, resultsGivenUp: 1 }));
    m.failed(new Error('platform STOW-RS not reachable'));
    const text = await m.registry.metrics();
    expect(sample(text, 'mic_edge_instances_sent_total')).toBe(15);
    expect(sample(text, 'mic_edge_instances_refused_total')).toBe(1);
    expect(sample(text, 'mic_edge_studies_sent_total')).toBe(1);
    expect(sample(text, 'mic_edge_sent_bytes_total')).toBe(5000);
    expect(sample(text, 'mic_edge_results_stored_total')).toBe(1);
    expect(sample(text, 'mic_edge_results_given_up_total')).toBe(1);
    expect(sample(text, 'mic_edge_rounds_total{outcome="ok"')).toBe(2);
    expect(sample(text, 'mic_edge_rounds_total{outcome="failed"')).toBe(1);
    expect(sample(text, 'mic_edge_studies_pending')).toBe(2);
    expect(sample(text, 'mic_edge_series_awaiting_results')).toBe(1);
    expect(sample(text, 'mic_edge_oldest_awaiting_seconds')).toBeGreaterThanOrEqual(120);
    expect(sample(text, 'mic_edge_last_success_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);

    // the state changes under a running edge: the next scrape says so; a broken file keeps the last values
    writeState(file, { since: 4, pending: {}, sent: {}, done: ['a', 'b'], awaiting: {} });
    expect(sample(await m.registry.metrics(), 'mic_edge_studies_pending')).toBe(0);
    writeState(file, { since: 4, pending: { c: 1 }, sent: {}, done: [] });
    writeFileSync(file, '{"since"');
    expect(sample(await m.registry.metrics(), 'mic_edge_studies_pending')).toBe(0);
  });

  it('is unready only while rounds keep failing', () => {
    const m = new EdgeMonitor({ stateFile: stateFile(), staleMs: 60_000 });
    const t0 = Date.now();
    expect(m.readiness(t0 + 3_600_000).ready).toBe(true); // nothing failed: a long first upload is fine
    m.failed(new Error('no token for mic-pacs: HTTP 401'));
    expect(m.readiness(t0 + 30_000).ready).toBe(true); // one failure soon after the start: tolerated
    const late = m.readiness(t0 + 120_000);
    expect(late.ready).toBe(false);
    expect(late.body).toMatchObject({ lastSuccess: null, failuresInRow: 1, lastError: /HTTP 401/ });
    m.succeeded(round({}), t0 + 130_000);
    expect(m.readiness(t0 + 131_000)).toEqual({
      ready: true,
      body: { status: 'ready', lastSuccess: new Date(t0 + 130_000).toISOString(), failuresInRow: 0 },
    });
    m.failed(new Error('Orthanc away'));
    expect(m.readiness(t0 + 180_000).ready).toBe(true);
    expect(m.readiness(t0 + 200_000).ready).toBe(false);
  });

  it('serves /metrics, /healthz and /readyz', async () => {
    const m = new EdgeMonitor({ stateFile: stateFile(), staleMs: 0 });
    const served = await serveMonitor(m, 0, '127.0.0.1');
    const get = (path: string) => fetch(`http://127.0.0.1:${served.port}${path}`);
    try {
      m.succeeded(round({ uploaded: 2 }));
      const metrics = await get('/metrics');
      expect(metrics.status).toBe(200);
      expect(sample(await metrics.text(), 'mic_edge_instances_sent_total')).toBe(2);
      expect((await get('/healthz')).status).toBe(200);
      expect((await get('/readyz')).status).toBe(200);
      m.failed(new Error('platform API not reachable'));
      const unready = await get('/readyz');
      expect(unready.status).toBe(503);
      expect(await unready.json()).toMatchObject({ status: 'not ready', lastError: 'platform API not reachable' });
      expect((await get('/nothing')).status).toBe(404);
    } finally {
      await served.close();
    }
  });
});
