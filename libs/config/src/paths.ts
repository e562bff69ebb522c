import { homedir } from 'node:os';
import { join } from 'node:path';

/** Runtime state (databases, logs, pids) lives outside the repository. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_STATE_HOME ? join(env.XDG_STATE_HOME, 'mic') : join(env.HOME ?? homedir(), '.local', 'state', 'mic');
}

/** Downloads and built tools are cached outside the repository so a second `up` reuses them. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_CACHE_HOME ? join(env.XDG_CACHE_HOME, 'mic') : join(env.HOME ?? homedir(), '.cache', 'mic');
}
