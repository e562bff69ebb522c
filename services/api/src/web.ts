import type { ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { realmEndpoints } from '@mic/auth';

// The viewer is plain files (no build step): an ES module app that signs in with the realm's public client.
const WEB_DIR = new URL('../web/', import.meta.url);

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/viewer.js': { file: 'viewer.js', type: 'text/javascript; charset=utf-8' },
  '/render.js': { file: 'render.js', type: 'text/javascript; charset=utf-8' },
  '/pkce.js': { file: 'pkce.js', type: 'text/javascript; charset=utf-8' },
  '/slices.js': { file: 'slices.js', type: 'text/javascript; charset=utf-8' },
  '/course.js': { file: 'course.js', type: 'text/javascript; charset=utf-8' },
  '/viewer.css': { file: 'viewer.css', type: 'text/css; charset=utf-8' },
};

/** What the viewer needs to sign in: the realm's endpoints as a browser reaches them, and the client id. */
export function viewerConfig(issuer: string, clientId: string) {
  const base = `${issuer}/protocol/openid-connect`;
  return {
    issuer,
    clientId,
    authorizationEndpoint: `${base}/auth`,
    tokenEndpoint: realmEndpoints(issuer).token,
    endSessionEndpoint: `${base}/logout`,
    scope: 'openid',
  };
}

/**
 * Headers of every viewer response: scripts and styles from this origin only, fetches to this origin and the token
 * issuer, pictures also from blob: URLs (files are fetched with the token, then shown), no framing.
 */
export function securityHeaders(issuer: string): Record<string, string> {
  const issuerOrigin = new URL(issuer).origin;
  return {
    'content-security-policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' blob: data:",
      `connect-src 'self' ${issuerOrigin}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "object-src 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
}

/** Serves the viewer's files and /config.json; false when the path is not one of them. */
export async function serveWeb(path: string, res: ServerResponse, issuer: string, clientId: string): Promise<boolean> {
  const headers = securityHeaders(issuer);
  if (path === '/config.json') {
    res
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache', ...headers })
      .end(JSON.stringify(viewerConfig(issuer, clientId)));
    return true;
  }
  const entry = FILES[path];
  if (!entry) return false;
  const body = await readFile(new URL(entry.file, WEB_DIR));
  res.writeHead(200, { 'content-type': entry.type, 'cache-control': 'no-cache', ...headers }).end(body);
  return true;
}
