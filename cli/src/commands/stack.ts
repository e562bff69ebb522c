import type { Command } from 'commander';
import type { Config } from '@mic/config';
import { createS3Client, ensureBucket } from '@mic/storage';
import { configFor } from '../context.js';
import { CliError } from '../errors.js';
import { allHealthy, formatStatus, probeAll, SERVICES, type ServiceName, type StackStatus } from '../stack/probes.js';
import { logFile, logTail, processAlive, runStackScript } from '../stack/scripts.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls every probe until all answer, a started process dies, or the deadline passes. */
async function waitHealthy(config: Config, wanted: ServiceName[], timeoutS: number): Promise<StackStatus> {
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const status = await probeAll(config);
    const down = wanted.filter((s) => !status[s].healthy);
    if (down.length === 0) return status;
    const dead = down.find((s) => processAlive(config, s) === false);
    if (dead) throw unhealthy(config, status, [dead], 'exited during start');
    if (Date.now() > deadline) throw unhealthy(config, status, down, `not healthy after ${timeoutS}s`);
    await sleep(1000);
  }
}

function pickServices(names: string[]): ServiceName[] {
  for (const n of names) {
    if (!(SERVICES as readonly string[]).includes(n))
      throw new CliError(`unknown service ${n} (one of: ${SERVICES.join(', ')})`, 2);
  }
  return names.length ? (names as ServiceName[]) : [...SERVICES];
}

function unhealthy(config: Config, status: StackStatus, services: ServiceName[], why: string): CliError {
  for (const s of services) {
    process.stderr.write(
      `\n--- ${s}: ${status[s].detail}; last lines of ${logFile(config, s)}:\n${logTail(config, s)}\n`,
    );
  }
  return new CliError(`stack up: ${services.join(', ')} ${why} (logs above)`);
}

/** Starts the named services (default: all) unless running, waits until they answer, prints the health table. */
export async function stackUp(config: Config, names: string[], timeoutS: number): Promise<StackStatus> {
  const wanted = pickServices(names);
  const started = Date.now();
  const code = await runStackScript(config, 'up', names);
  if (code !== 0) throw new CliError(`stack up: starting the services failed (exit ${code}, see above)`);
  let status = await waitHealthy(config, wanted, timeoutS);
  if (wanted.includes('s3') && (await ensureBucket(createS3Client(config), config.s3.bucket, config.s3.region))) {
    status = await probeAll(config);
  }
  process.stdout.write(`${formatStatus(status)}\n`);
  const took = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`stack up: ${wanted.join(', ')} healthy (${took}s); state in ${config.stateDir}\n`);
  return status;
}

export function registerStack(program: Command): void {
  const stack = program.command('stack').description('the local stack: Redis, PostgreSQL, Orthanc, S3, Keycloak');

  stack
    .command('up [services...]')
    .description('start the services not running yet (default: all) and wait until they answer (idempotent)')
    .option('--timeout <seconds>', 'how long to wait for the services to answer', '300')
    .action(async (names: string[], opts: { timeout: string }, cmd: Command) => {
      const config = configFor(cmd);
      const timeoutS = Number(opts.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new CliError('--timeout must be a positive number', 2);
      await stackUp(config, names, timeoutS);
    });

  stack
    .command('down [services...]')
    .description('stop the services of the local stack (default: all); data and caches stay')
    .action(async (names: string[], _opts: unknown, cmd: Command) => {
      const config = configFor(cmd);
      pickServices(names);
      const code = await runStackScript(config, 'down', names);
      if (code !== 0) throw new CliError(`stack down failed (exit ${code}, see above)`);
    });

  stack
    .command('status')
    .description('probe every service (exit code 1 when one is unhealthy)')
    .option('--json', 'print {"services": {name: {url, healthy, detail}}}')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const config = configFor(cmd);
      const services = await probeAll(config);
      process.stdout.write(opts.json ? `${JSON.stringify({ services })}\n` : `${formatStatus(services)}\n`);
      if (!allHealthy(services)) process.exitCode = 1;
    });
}
