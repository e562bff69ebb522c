import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createS3Client, ensureBucket, S3Client } from '@mic/storage';
import { config, requireService } from './support/stack.js';

jest.setTimeout(30_000);

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

describe('S3 (SeaweedFS) through the minio client', () => {
  const key = `it/${randomBytes(6).toString('hex')}/object.bin`;
  let s3: S3Client;

  beforeAll(async () => {
    await requireService('s3');
    s3 = createS3Client(config);
    await ensureBucket(s3, config.s3.bucket, config.s3.region);
  });

  afterAll(async () => {
    await s3?.removeObject(config.s3.bucket, key);
  });

  it('puts an object and gets the same bytes back', async () => {
    const body = randomBytes(300_000);
    await s3.putObject(config.s3.bucket, key, body, body.length, { 'Content-Type': 'application/octet-stream' });
    const stat = await s3.statObject(config.s3.bucket, key);
    expect(stat.size).toBe(body.length);
    const got = await readAll(await s3.getObject(config.s3.bucket, key));
    expect(got.equals(body)).toBe(true);
  });

  it('refuses requests signed with a wrong secret key', async () => {
    const bad = new S3Client({
      endPoint: config.s3.host,
      port: config.s3.port,
      useSSL: false,
      accessKey: config.s3.accessKey,
      secretKey: 'not-the-secret-key',
      region: config.s3.region,
    });
    await expect(bad.listBuckets()).rejects.toThrow();
  });
});
