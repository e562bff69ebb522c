import type { Command } from 'commander';
import { CliError } from '../errors.js';

const SERVICES = ['ingest', 'worker', 'api', 'all'] as const;

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run a service in the foreground, with the same entrypoint as its container image')
    .argument('<service>', SERVICES.join('|'))
    .action((service: string) => {
      if (!(SERVICES as readonly string[]).includes(service))
        throw new CliError(`unknown service "${service}"; use ${SERVICES.join('|')}`, 2);
      throw new CliError(`service "${service}" does not exist yet in this version of mic`, 3);
    });
}
