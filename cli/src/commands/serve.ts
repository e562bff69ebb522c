import type { Command } from 'commander';
import { startIngest } from '@mic/ingest';
import { configFor } from '../context.js';
import { CliError } from '../errors.js';

const SERVICES = ['ingest', 'worker', 'api', 'all'] as const;

/** Runs ingest until SIGINT/SIGTERM, then stops it cleanly (the current instance finishes; nothing is lost). */
async function serveIngest(cmd: Command): Promise<void> {
  const service = await startIngest(configFor(cmd));
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void service.stop().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run a service in the foreground, with the same entrypoint as its container image')
    .argument('<service>', SERVICES.join('|'))
    .action(async (service: string, _opts: unknown, cmd: Command) => {
      if (!(SERVICES as readonly string[]).includes(service))
        throw new CliError(`unknown service "${service}"; use ${SERVICES.join('|')}`, 2);
      if (service === 'ingest') return serveIngest(cmd);
      throw new CliError(`service "${service}" does not exist yet in this version of mic`, 3);
    });
}
