import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '@mic/config';
import { stackEnv } from './env.js';
import type { ServiceName } from './probes.js';

// cli/{src,dist}/stack -> repository root.
const infraDir = fileURLToPath(new URL('../../../infra/local/', import.meta.url));

/** Runs infra/local/stack.sh with the config in its environment; its progress goes to stderr. */
export function runStackScript(config: Config, action: 'up' | 'down', services: string[] = []): Promise<number> {
  const script = join(infraDir, 'stack.sh');
  if (!existsSync(script)) return Promise.reject(new Error(`stack script missing: ${script}`));
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, action, ...services], {
      env: stackEnv(config),
      stdio: ['ignore', process.stderr, process.stderr],
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

export function logFile(config: Config, service: ServiceName): string {
  return join(config.stateDir, 'logs', `${service}.log`);
}

/** The last lines of a service's log, or a note that there is none. */
export function logTail(config: Config, service: ServiceName, lines = 25): string {
  const file = logFile(config, service);
  if (!existsSync(file)) return `(no log at ${file})`;
  const all = readFileSync(file, 'utf8').trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

/** False when the service's pid file names a process that has exited (it crashed on start). */
export function processAlive(config: Config, service: ServiceName): boolean | undefined {
  const pidFile = join(config.stateDir, 'run', `${service}.pid`);
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
