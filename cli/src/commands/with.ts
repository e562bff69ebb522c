import { createCatalogPool, migrate, type Pool } from '@mic/catalog';
import type { Config } from '@mic/config';
import { CliError } from '../errors.js';

// The catalogue, the queue and the output as the platform commands (studies, jobs) use them.

export async function withCatalog<T>(config: Config, fn: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = createCatalogPool(config, { max: 1 });
  pool.on('error', () => undefined);
  try {
    await migrate(pool, config.catalog.schema);
    return await fn(pool);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`catalogue: ${(err as Error).message}`, 3);
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/** Queue calls fail fast with one line when Redis does not answer (BullMQ would otherwise wait for it). */
export async function withRedis<T>(fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CliError('queue: Redis did not answer within 10 s', 3)), 10_000);
  });
  try {
    return await Promise.race([fn(), timeout]);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`queue: ${(err as Error).message}`, 3);
  } finally {
    clearTimeout(timer);
  }
}

export const print = (json: boolean, value: unknown, text: () => string) =>
  process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : text() + '\n');
