import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { internalIssuerUrl } from '@mic/auth';
import { orthancJson } from '@mic/pacs';
import { configFor } from '../context.js';
import { CliError } from '../errors.js';
import { Edge, edgeStatus, readState, writeState } from '../edge/edge.js';
import { EdgeMonitor, serveMonitor } from '../edge/monitor.js';

interface EdgeOpts {
  stowUrl?: string;
  status?: boolean;
  state: string;
  tokenUrl?: string;
  clientId: string;
  clientSecretEnv: string;
  rate: string;
  settle: string;
  lane: string;
  startAt: string;
  pollMs: string;
  apiUrl?: string;
  resultWait: string;
  resultsEvery: string;
  once?: boolean;
  metricsPort?: string;
  metricsHost: string;
  unreadyAfter: string;
  proxy?: string;
}

const num = (v: string, name: string, min: number) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new CliError(`--${name} must be a number >= ${min}: ${v}`, 2);
  return n;
};

// `mic edge`: the hospital side of an outbound-only link to the platform (cli/src/edge/edge.ts).
export function registerEdge(program: Command): void {
  program
    .command('edge')
    .description(
      "upload the hospital Orthanc's settled studies to the platform over STOW-RS and bring their SEG and SR back: outbound only, resumable, throttled",
    )
    .option('--stow-url <url>', "the platform's STOW-RS base, e.g. https://mic.example.org/dicomweb (required)")
    .requiredOption('--state <file>', 'where the edge keeps what it has read and sent (resumes from it)')
    .option('--token-url <url>', "the realm's token endpoint (default: the configured Keycloak's)")
    .option(
      '--client-id <id>',
      "the edge's service client (role pacs-service; the platform's ingest.uploadClient)",
      'mic-pacs',
    )
    .option('--client-secret-env <name>', 'environment variable holding the client secret', 'MIC_EDGE_CLIENT_SECRET')
    .option(
      '--proxy <url>',
      "the hospital's outbound proxy for the platform's addresses (default: HTTPS_PROXY / HTTP_PROXY / NO_PROXY)",
    )
    .option('--rate <bytes/s>', 'upload rate limit (0: none)', '0')
    .option('--settle <s>', "a study is sent after this many quiet seconds, or on Orthanc's StableStudy", '60')
    .option('--lane <lane>', 'research or clinical', 'research')
    .option(
      '--start-at <where>',
      'without a state file: now (only new studies) or beginning (all Orthanc holds)',
      'now',
    )
    .option('--poll-ms <ms>', 'wait between rounds', '5000')
    .option(
      '--api-url <url>',
      "the platform's API base, e.g. https://mic.example.org: each sent series' SEG and SR are built from its results and stored in the hospital's Orthanc (none: upload only)",
    )
    .option('--result-wait <h>', 'hours to wait for a series result before giving up on it', '24')
    .option('--results-every <s>', 'seconds between two questions about the same series', '30')
    .option('--metrics-port <port>', 'serve /metrics (Prometheus), /healthz and /readyz on this port')
    .option('--unready-after <s>', '/readyz answers 503 once rounds have failed for this long', '900')
    .option('--metrics-host <host>', 'address the metrics port listens on', '127.0.0.1')
    .option('--once', 'one round, then print what was sent and exit')
    .option('--status', 'print what the state file holds (studies pending, series awaiting results) and exit')
    .action(async (o: EdgeOpts, cmd: Command) => {
      if (o.status) {
        process.stdout.write(JSON.stringify(edgeStatus(readState(o.state)), null, 2) + '\n');
        return;
      }
      if (!o.stowUrl) throw new CliError('--stow-url is required', 2);
      const config = configFor(cmd);
      const secret = process.env[o.clientSecretEnv];
      if (!secret) throw new CliError(`the client secret is read from $${o.clientSecretEnv}, which is not set`, 2);
      if (!['research', 'clinical'].includes(o.lane)) throw new CliError(`--lane must be research or clinical`, 2);
      if (!['now', 'beginning'].includes(o.startAt)) throw new CliError(`--start-at must be now or beginning`, 2);
      if (o.proxy && !URL.canParse(o.proxy))
        throw new CliError(`--proxy must be a URL, e.g. http://proxy:3128: ${o.proxy}`, 2);
      const edge = new Edge(config, {
        stowUrl: o.stowUrl,
        tokenUrl: o.tokenUrl ?? `${internalIssuerUrl(config)}/protocol/openid-connect/token`,
        clientId: o.clientId,
        clientSecret: secret,
        stateFile: o.state,
        bytesPerSecond: num(o.rate, 'rate', 0),
        settleSeconds: num(o.settle, 'settle', 0),
        lane: o.lane as 'research' | 'clinical',
        ...(o.proxy ? { proxy: o.proxy } : {}),
        ...(o.apiUrl
          ? {
              results: {
                apiUrl: o.apiUrl,
                waitMs: num(o.resultWait, 'result-wait', 0) * 3_600_000,
                everyMs: num(o.resultsEvery, 'results-every', 0) * 1000,
              },
            }
          : {}),
      });
      if (!existsSync(o.state)) {
        const since = o.startAt === 'now' ? ((await orthancJson(config, '/changes?last')) as { Last: number }).Last : 0;
        writeState(o.state, { since, pending: {}, sent: {}, done: [] });
      }
      if (o.once) {
        process.stdout.write(JSON.stringify(await edge.round()) + '\n');
        return;
      }
      const pollMs = num(o.pollMs, 'poll-ms', 100);
      const monitor = new EdgeMonitor({ stateFile: o.state, staleMs: num(o.unreadyAfter, 'unready-after', 0) * 1000 });
      const served =
        o.metricsPort === undefined
          ? undefined
          : await serveMonitor(monitor, num(o.metricsPort, 'metrics-port', 0), o.metricsHost).catch((err: Error) => {
              throw new CliError(`cannot serve metrics on ${o.metricsHost}:${o.metricsPort}: ${err.message}`, 2);
            });
      if (served) process.stderr.write(`edge: metrics on http://${o.metricsHost}:${served.port}/metrics\n`);
      let stopping = false;
      const stop = () => (stopping = true);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      let failures = 0;
      while (!stopping) {
        try {
          const r = await edge.round();
          monitor.succeeded(r);
          if (r.uploaded || r.refused || r.resultsStored || r.noticesStored || r.resultsGivenUp)
            process.stderr.write(`edge: ${JSON.stringify(r)}\n`);
          failures = 0;
        } catch (err) {
          failures++;
          monitor.failed(err as Error);
          process.stderr.write(`edge: round failed (${failures}): ${(err as Error).message}\n`);
        }
        const wait = Math.min(300_000, pollMs * 2 ** Math.min(failures, 6));
        for (let t = 0; t < wait && !stopping; t += 200) await new Promise((r) => setTimeout(r, 200));
      }
      await served?.close();
    });
}
