export { configSchema, type Config } from './schema.js';
export { loadConfig, ConfigError, envVariables, type LoadOptions } from './load.js';
export { defaultStateDir, defaultCacheDir } from './paths.js';
