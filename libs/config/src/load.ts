import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { defaultCacheDir, defaultStateDir } from './paths.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** JSON file; also taken from MIC_CONFIG_FILE. Environment variables override the file. */
  file?: string;
  /** Highest precedence, for tests and CLI flags. */
  overrides?: Record<string, unknown>;
}

type Shape = Record<string, z.ZodType>;

function objectShape(schema: z.ZodType): Shape | undefined {
  let s: unknown = schema;
  // Unwrap defaults/prefaults/optionals until an object appears.
  for (let i = 0; i < 5 && s; i++) {
    const def = (s as { _zod?: { def?: { type?: string; shape?: Shape; innerType?: unknown } } })._zod?.def;
    if (!def) return undefined;
    if (def.type === 'object') return def.shape;
    s = def.innerType;
  }
  return undefined;
}

const toEnvPart = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** Map of env var name -> config path, derived from the schema so the two never drift. */
export function envVariables(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const top = objectShape(configSchema)!;
  for (const [key, sub] of Object.entries(top)) {
    const inner = objectShape(sub);
    if (!inner) {
      out.set(`MIC_${toEnvPart(key)}`, [key]);
      continue;
    }
    for (const leaf of Object.keys(inner)) out.set(`MIC_${toEnvPart(key)}_${toEnvPart(leaf)}`, [key, leaf]);
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object'
        ? merge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const problems: string[] = [];
  let raw: Record<string, unknown> = { stateDir: defaultStateDir(env), cacheDir: defaultCacheDir(env) };

  const file = options.file ?? env.MIC_CONFIG_FILE;
  if (file) {
    try {
      raw = merge(raw, JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
    } catch (err) {
      problems.push(`config file ${file}: ${(err as Error).message}`);
    }
  }
  const fromEnv: Record<string, unknown> = {};
  const names = envVariables();
  for (const [name, path] of names) if (env[name] !== undefined && env[name] !== '') setPath(fromEnv, path, env[name]);
  raw = merge(merge(raw, fromEnv), options.overrides ?? {});

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const envOf = new Map([...names].map(([n, p]) => [p.join('.'), n]));
    for (const issue of parsed.error.issues) {
      const keys =
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((k) => [...issue.path, k].join('.'))
          : [issue.path.join('.')];
      for (const key of keys) {
        const hint = envOf.get(key) ? ` (env ${envOf.get(key)})` : '';
        problems.push(`${key}${hint}: ${issue.message}`);
      }
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return parsed.data!;
}
