import type { IncomingMessage, ServerResponse } from 'node:http';
import { AccessError, isEdgeClient, requireSocietyRole, verifyBearer, type MicClaims } from '@mic/auth';
import { audit, uploadedBytes } from '@mic/catalog';
import type { Lane } from '@mic/queue';
import { inLanes } from '@mic/telemetry';
import type { IngestContext } from './context.js';
import { finalizeStudy, flushOutbox } from './finalize.js';
import { MultipartError, parseContentType, parseMultipart } from './multipart.js';
import { ingestBytes, sha256 } from './store.js';

const DICOM_JSON = { 'content-type': 'application/dicom+json' };

async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new MultipartError(`request body above ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function fail(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: message }));
}

const ui = (v: string) => ({ vr: 'UI', Value: [v] });

/** The realm role that may upload a society's studies. */
export const UPLOAD_ROLE = 'society-member';

/**
 * The uploader's token must be valid, carry UPLOAD_ROLE and name this ingest's society (the contributing society whose
 * key de-identifies the upload). Answers the refusal itself and returns undefined, or returns the claims.
 */
async function authorize(
  ctx: IngestContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<MicClaims | undefined> {
  try {
    const claims = await verifyBearer(ctx.verify, req.headers.authorization);
    // the society's edge: a service client named in this ingest's config, uploading for this ingest's society
    if (isEdgeClient(claims, ctx.config.ingest.uploadClient)) return claims;
    requireSocietyRole(claims, UPLOAD_ROLE, ctx.config.ingest.society);
    return claims;
  } catch (err) {
    if (!(err instanceof AccessError)) throw err;
    ctx.log.warn({ status: err.status, reason: err.message }, 'STOW-RS upload refused');
    if (err.status === 401) res.setHeader('www-authenticate', `Bearer realm="${ctx.config.keycloak.realm}"`);
    fail(res, err.status, err.message);
    req.resume(); // the body is not read: let it drain so the connection stays usable
    return undefined;
  }
}

/**
 * A society over its upload quota gets 429 before its body is read: used bytes in the last 24 hours, plus this
 * request's Content-Length when it gives one. PACS feeds are clinical work and never count.
 */
async function overQuota(ctx: IngestContext, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const quota = ctx.config.ingest.stowQuotaBytesPerDay;
  if (quota <= 0) return false;
  const used = await uploadedBytes(ctx.pool, ctx.config.ingest.society, 24);
  const incoming = Number(req.headers['content-length'] ?? 0) || 0;
  if (used + incoming <= quota && used < quota) return false;
  ctx.log.warn({ used, incoming, quota }, 'STOW-RS upload refused: quota');
  res.setHeader('retry-after', '3600');
  fail(
    res,
    429,
    `society ${ctx.config.ingest.society} has uploaded ${used} of its ${quota} bytes in the last 24 h; this request ` +
      `brings ${incoming || 'an unknown number of'} bytes more`,
  );
  req.resume();
  return true;
}

/** Parts of one request ingested at a time: de-identification of one overlaps the store and catalogue of others. */
const STOW_LANES = 4;

/**
 * STOW-RS (PS3.18 10.5): POST /dicomweb/studies with multipart/related; type="application/dicom". Each part takes
 * the same path as an instance pulled from Orthanc; the request is one unit of completeness, so its studies are
 * finalized (and jobs enqueued) before the answer. 200 all stored, 202 some failed, 409 none stored; 401/403 when
 * the bearer token is missing, invalid, or not a member of this ingest's society; 429 over the society's quota.
 */
export async function handleStow(ctx: IngestContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const claims = await authorize(ctx, req, res);
  if (!claims) return;
  // The lane follows the source: uploads are research/backfill work; the clinical lane is PACS auto-analysis.
  const lane: Lane = 'research';
  const asked = new URL(req.url ?? '/', 'http://ingest').searchParams.get('lane');
  if (asked !== null && asked !== lane)
    return fail(res, 400, `lane "${asked}" not accepted: STOW-RS uploads go to the research lane`);
  const { mediaType, params } = parseContentType(req.headers['content-type']);
  if (mediaType !== 'multipart/related')
    return fail(res, 415, 'expected Content-Type multipart/related; type="application/dicom"');
  if (params.type && params.type.toLowerCase() !== 'application/dicom')
    return fail(res, 415, `unsupported part type ${params.type}: only application/dicom`);
  if (await overQuota(ctx, req, res)) return;
  let parts;
  try {
    parts = parseMultipart(await readBody(req, ctx.config.ingest.stowMaxBytes), params.boundary ?? '');
  } catch (err) {
    if (err instanceof MultipartError) return fail(res, 400, err.message);
    throw err;
  }
  if (parts.length === 0) return fail(res, 400, 'no parts in the request');

  const referenced: Record<string, unknown>[] = [];
  const failed: Record<string, unknown>[] = [];
  const studies = new Set<number>();
  const outcomes = await inLanes(parts, STOW_LANES, async (part) => {
    const type = (part.headers['content-type'] ?? 'application/dicom').split(';')[0].trim().toLowerCase();
    if (type !== 'application/dicom') return { type };
    const hash = sha256(part.body);
    const out = await ingestBytes(ctx, part.body, { source: 'stow', sourceRef: `stow/${hash}` });
    ctx.hooks.onInstance?.({
      source: 'stow',
      sourceRef: `stow/${hash}`,
      outcome: out.kind,
      ...(out.kind === 'quarantined' ? { reason: out.reason } : { studyId: out.studyId }),
    });
    return { type, out };
  });
  for (const [index, { type, out }] of outcomes.entries()) {
    if (!out) {
      failed.push({
        '00081197': { vr: 'US', Value: [0xa900] },
        '00000902': { vr: 'LO', Value: [`part ${index + 1}: ${type}`] },
      });
    } else if (out.kind === 'quarantined') {
      failed.push({
        '00081197': { vr: 'US', Value: [0xc000] },
        '00000902': { vr: 'LO', Value: [`part ${index + 1}: ${out.reason}`.slice(0, 64)] },
      });
    } else {
      studies.add(out.studyId);
      // Retrieve URL: the stored series in the platform's query API, where the uploader (an edge) finds its results.
      const url = `/api/v1/studies/${out.studyId}/series/${out.seriesId}`;
      referenced.push({ '00081155': ui(out.sopUid), '00081190': { vr: 'UR', Value: [url] } });
    }
  }
  const uploader = claims.preferred_username ?? claims.sub ?? 'unknown';
  for (const studyId of studies) {
    const detail = { society: claims.society, parts: parts.length, failed: failed.length, lane };
    await audit(ctx.pool, { actor: `user:${uploader}`, action: 'stow.upload', studyId, detail });
    await finalizeStudy(ctx, studyId, lane);
    await flushOutbox(ctx, studyId).catch((err: Error) =>
      ctx.log.warn({ studyId, err: err.message }, 'jobs stay in the outbox for the next round'),
    );
  }
  const status = failed.length === 0 ? 200 : referenced.length ? 202 : 409;
  const body: Record<string, unknown> = {};
  if (referenced.length) body['00081199'] = { vr: 'SQ', Value: referenced };
  if (failed.length) body['00081198'] = { vr: 'SQ', Value: failed };
  res.writeHead(status, DICOM_JSON).end(JSON.stringify(body));
}
