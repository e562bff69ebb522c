import { createServer } from 'node:http';
import { Counter, Gauge } from 'prom-client';
import { closeServer, createMetricsRegistry, listen, serveObservability } from '@mic/telemetry';
import { edgeStatus, readState, type RoundResult } from './edge.js';

// What a hospital's monitoring asks of a running edge: Prometheus counters of what went out and came back, gauges
// of what waits (read from the state file at each scrape, so they are right after a restart too), and /readyz that
// turns 503 when rounds keep failing (the platform, Keycloak or the hospital's Orthanc away), with the last error.

export interface MonitorOptions {
  stateFile: string;
  /** /readyz answers 503 when rounds have failed and none has succeeded for this long. */
  staleMs: number;
}

export class EdgeMonitor {
  readonly registry = createMetricsRegistry('mic-edge');
  private lastSuccess: number | undefined;
  private lastError: string | undefined;
  private failuresInRow = 0;
  private readonly started = Date.now();
  private readonly rounds = new Counter({
    name: 'mic_edge_rounds_total',
    help: 'Rounds of the edge (read changes, upload, collect results), by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly counts = {
    uploaded: this.counter('mic_edge_instances_sent_total', 'Instances the platform stored'),
    refused: this.counter('mic_edge_instances_refused_total', 'Instances the platform refused'),
    studiesDone: this.counter('mic_edge_studies_sent_total', 'Studies sent whole'),
    bytesSent: this.counter('mic_edge_sent_bytes_total', 'Bytes of DICOM sent over STOW-RS'),
    resultsStored: this.counter('mic_edge_results_stored_total', 'Series whose SEG and SR were stored in Orthanc'),
    noticesStored: this.counter('mic_edge_notices_stored_total', 'Series refused by the engine; notice stored'),
    resultsGivenUp: this.counter('mic_edge_results_given_up_total', 'Series whose result did not come in time'),
  } satisfies Record<keyof RoundResult, Counter>;

  constructor(private readonly o: MonitorOptions) {
    // read at each scrape (right after a restart too), once: the first gauge's collect reads the file, the others
    // use what it read (prom-client collects in registration order); unreadable, the gauges keep their last value
    let snapshot: ReturnType<typeof edgeStatus> | undefined;
    const refresh = () => {
      try {
        snapshot = edgeStatus(readState(this.o.stateFile));
      } catch {
        snapshot = undefined;
      }
    };
    const gauges: [string, string, () => number | undefined][] = [
      ['mic_edge_studies_pending', 'Studies seen in Orthanc and not yet sent whole', () => snapshot?.studiesPending],
      [
        'mic_edge_series_awaiting_results',
        'Series sent whose SEG and SR have not come back',
        () => snapshot?.seriesAwaitingResults,
      ],
      [
        'mic_edge_oldest_awaiting_seconds',
        'Age of the oldest series still waiting for its result',
        () => snapshot && (snapshot.awaiting[0]?.waitingSeconds ?? 0),
      ],
      [
        'mic_edge_last_success_timestamp_seconds',
        'When a round last succeeded (0: none yet)',
        () => (this.lastSuccess ?? 0) / 1000,
      ],
    ];
    for (const [name, help, value] of gauges)
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          if (name === gauges[0][0]) refresh();
          const v = value();
          if (v !== undefined) this.set(v);
        },
      });
  }

  private counter(name: string, help: string): Counter {
    return new Counter({ name, help, registers: [this.registry] });
  }

  succeeded(r: RoundResult, now = Date.now()): void {
    this.rounds.inc({ outcome: 'ok' });
    for (const [k, c] of Object.entries(this.counts)) c.inc(r[k as keyof RoundResult]);
    this.lastSuccess = now;
    this.failuresInRow = 0;
    this.lastError = undefined;
  }

  failed(err: Error): void {
    this.rounds.inc({ outcome: 'failed' });
    this.failuresInRow++;
    this.lastError = err.message;
  }

  /**
   * Unready only while rounds keep failing: the last round failed and none succeeded for staleMs (counted from the
   * start until the first success). A long upload in a round that has not failed keeps the edge ready.
   */
  readiness(now = Date.now()): { ready: boolean; body: Record<string, unknown> } {
    const ready = this.failuresInRow === 0 || now - (this.lastSuccess ?? this.started) < this.o.staleMs;
    return {
      ready,
      body: {
        status: ready ? 'ready' : 'not ready',
        lastSuccess: this.lastSuccess ? new Date(this.lastSuccess).toISOString() : null,
        failuresInRow: this.failuresInRow,
        ...(this.lastError ? { lastError: this.lastError } : {}),
      },
    };
  }
}

/** /healthz (the process answers), /readyz (a round succeeded lately) and /metrics on host:port. */
export async function serveMonitor(monitor: EdgeMonitor, port: number, host: string) {
  const server = createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] === '/readyz' && (req.method === 'GET' || req.method === 'HEAD')) {
      const { ready, body } = monitor.readiness();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    void serveObservability(req, res, { registry: monitor.registry, checks: {} })
      .then((served) => {
        if (!served) res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      })
      .catch((err: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: err.message }));
      });
  });
  const bound = await listen(server, port, host);
  return { port: bound, close: () => closeServer(server) };
}
