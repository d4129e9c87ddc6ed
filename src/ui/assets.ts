/**
 * The bundled client assets (`npm run build` writes them with esbuild to dist/ui/assets): the
 * console script with its chart library, and the stylesheet. Nothing is fetched from elsewhere.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import type http from 'node:http';
import { fileURLToPath } from 'node:url';
import { SECURITY_HEADERS } from './security.js';

const TYPES: Record<string, string> = { 'console.js': 'text/javascript; charset=utf-8', 'console.css': 'text/css; charset=utf-8' };

/** dist/ui/assets next to the compiled module, or the build output when running from src. */
export function assetsDir(): string {
  const beside = fileURLToPath(new URL('./assets/', import.meta.url));
  return existsSync(beside) ? beside : fileURLToPath(new URL('../../dist/ui/assets/', import.meta.url));
}

const cache = new Map<string, Buffer>();

export async function serveAsset(req: http.IncomingMessage, res: http.ServerResponse, name: string): Promise<void> {
  const type = TYPES[name];
  let body: Buffer | undefined;
  if (type) {
    body = cache.get(name);
    if (!body) {
      body = await fs.readFile(assetsDir() + name).catch(() => undefined);
      if (body) cache.set(name, body);
    }
  }
  if (!type || !body) {
    res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
    res.end(type ? 'asset not built: run npm run build\n' : 'not found\n');
    return;
  }
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-cache', 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}
