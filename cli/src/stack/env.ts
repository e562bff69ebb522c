import { envVariables, type Config } from '@mic/config';

/**
 * The config as MIC_* environment variables (the same names `loadConfig` reads), for the infra/local scripts.
 * Unset optional values are removed so a stale variable from the caller cannot leak through.
 */
export function stackEnv(config: Config, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const [name, path] of envVariables()) {
    let value: unknown = config;
    for (const key of path) value = (value as Record<string, unknown> | undefined)?.[key];
    if (value === undefined || value === null) delete env[name];
    else env[name] = String(value);
  }
  return env;
}
