import type { Command } from 'commander';
import { startApi } from '@mic/api';
import { startAutoscaler } from '@mic/autoscaler';
import { startIngest } from '@mic/ingest';
import { startWorker } from '@mic/worker';
import { configFor } from '../context.js';
import { CliError } from '../errors.js';

// `all` is what one machine runs; the autoscaler sizes a cluster's workers and runs on its own.
const SERVICES = ['ingest', 'worker', 'api', 'autoscaler', 'all'] as const;

interface Running {
  stop(): Promise<void>;
}

/** Runs services until SIGINT/SIGTERM, then stops them cleanly (current work finishes; nothing is lost). */
async function serveUntilSignal(services: Running[]): Promise<void> {
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void Promise.allSettled(services.map((s) => s.stop())).then(() => resolve());
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

const STARTERS = { ingest: startIngest, worker: startWorker, api: startApi, autoscaler: startAutoscaler };

async function start(name: keyof typeof STARTERS, cmd: Command): Promise<Running> {
  try {
    return await STARTERS[name](configFor(cmd));
  } catch (err) {
    throw new CliError(`${name}: ${(err as Error).message.split('\n')[0]}`);
  }
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run a service in the foreground, with the same entrypoint as its container image')
    .argument('<service>', SERVICES.join('|'))
    .action(async (service: string, _opts: unknown, cmd: Command) => {
      if (!(SERVICES as readonly string[]).includes(service))
        throw new CliError(`unknown service "${service}"; use ${SERVICES.join('|')}`, 2);
      const names = service === 'all' ? (['ingest', 'worker', 'api'] as const) : [service as keyof typeof STARTERS];
      const running: Running[] = [];
      try {
        for (const name of names) running.push(await start(name, cmd));
      } catch (err) {
        await Promise.allSettled(running.map((s) => s.stop())); // those already up must not keep the process alive
        throw err;
      }
      return serveUntilSignal(running);
    });
}
