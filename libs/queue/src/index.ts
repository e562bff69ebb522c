import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '@mic/config';

/** ioredis options for the configured Redis. */
export function redisOptions(config: Config): RedisOptions {
  const { host, port, password } = config.redis;
  return { host, port, ...(password ? { password } : {}) };
}

/**
 * Connection options for BullMQ queues and workers: blocking commands need maxRetriesPerRequest null. (BullMQ's
 * type for them does not name ioredis' plain options, which it takes.)
 */
export function bullConnection(config: Config): ConnectionOptions {
  return { ...redisOptions(config), maxRetriesPerRequest: null } as ConnectionOptions;
}

export function redisUrl(config: Config): string {
  return `redis://${config.redis.host}:${config.redis.port}`;
}

/** One PING with no retries, bounded in time: for health checks. Resolves to the server's answer. */
export async function pingRedis(config: Config, timeoutMs = 2000): Promise<string> {
  const redis = new Redis({
    ...redisOptions(config),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => (lastError = err)); // ioredis only says "Connection is closed." otherwise
  try {
    await redis.connect().catch((err: Error) => {
      throw lastError ?? err;
    });
    return await redis.ping();
  } finally {
    redis.disconnect();
  }
}

export * from './contracts.js';
export * from './analysis.js';
