import type { Command } from 'commander';
import { startIngest } from '@mic/ingest';
import { startWorker } from '@mic/worker';
import { configFor } from '../context.js';
import { CliError } from '../errors.js';

const SERVICES = ['ingest', 'worker', 'api', 'all'] as const;

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

async function start(name: 'ingest' | 'worker', cmd: Command): Promise<Running> {
  try {
    return name === 'ingest' ? await startIngest(configFor(cmd)) : await startWorker(configFor(cmd));
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
      if (service === 'ingest' || service === 'worker') return serveUntilSignal([await start(service, cmd)]);
      if (service === 'all') return serveUntilSignal([await start('ingest', cmd), await start('worker', cmd)]);
      throw new CliError(`service "${service}" does not exist yet in this version of mic`, 3);
    });
}
