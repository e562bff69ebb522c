import pg from 'pg';
import type { Config } from '@mic/config';

export type { Pool, PoolClient, PoolConfig } from 'pg';

/** A connection pool to the catalogue database from the config. */
export function createPool(config: Config, extra: pg.PoolConfig = {}): pg.Pool {
  const { host, port, user, password, database } = config.postgres;
  return new pg.Pool({ host, port, user, password, database, connectionTimeoutMillis: 5000, ...extra });
}

/** The database address without its password, for messages. */
export function postgresUrl(config: Config): string {
  const { host, port, user, database } = config.postgres;
  return `postgres://${user}@${host}:${port}/${database}`;
}

export { migrate, readMigrations, createCatalogPool, MIGRATIONS_DIR, type Migration } from './migrate.js';
export * from './studies.js';
export * from './analyses.js';
export * from './feed.js';
export * from './mapping.js';
export * from './queries.js';
export * from './results.js';
export * from './browse.js';
export * from './stats.js';
export * from './usage.js';
export * from './timeline.js';
export * from './erase.js';
export { inTransaction } from './tx.js';
export * from './verify.js';
export * from './course.js';
