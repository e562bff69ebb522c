import { Client } from 'minio';
import type { Config } from '@mic/config';

export { Client as S3Client } from 'minio';

/** An S3 client (minio) for the configured endpoint and keys. */
export function createS3Client(config: Config): Client {
  const { host, port, accessKey, secretKey, region, useSSL } = config.s3;
  return new Client({ endPoint: host, port, useSSL, accessKey, secretKey, region, pathStyle: true });
}

export function s3Url(config: Config): string {
  return `${config.s3.useSSL ? 'https' : 'http'}://${config.s3.host}:${config.s3.port}`;
}

/** Creates the bucket unless it exists; returns true when it was created. */
export async function ensureBucket(client: Client, bucket: string, region: string): Promise<boolean> {
  if (await client.bucketExists(bucket)) return false;
  await client.makeBucket(bucket, region);
  return true;
}
