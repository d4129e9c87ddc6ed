/** Reading a console form POST: URL-encoded or multipart (file uploads), bounded in size. */
import type http from 'node:http';
import { HttpError, readBody } from '../http/body.js';

/** A refusal with its HTTP status and a message safe to show. */
export { HttpError as FormError };

/** The fields of a submitted form. */
export interface Form {
  /** A text field (undefined when absent). */
  get(name: string): string | undefined;
  /** An uploaded file's name and bytes, when one was chosen. */
  file(name: string): { name: string; bytes: Buffer } | undefined;
}

/** Reads a form POST of at most `limit` bytes. */
export async function readForm(req: http.IncomingMessage, limit: number): Promise<Form> {
  const body = await readBody(req, limit);
  const type = req.headers['content-type'] ?? '';
  let data: FormData;
  try {
    data = await new Response(body, { headers: { 'content-type': type } }).formData();
  } catch {
    throw new HttpError(400, 'the request body is not a form');
  }
  const files = new Map<string, { name: string; bytes: Buffer }>();
  for (const [key, value] of data.entries()) {
    if (typeof value !== 'string' && value.size > 0) files.set(key, { name: value.name, bytes: Buffer.from(await value.arrayBuffer()) });
  }
  return {
    get: (name) => {
      const v = data.get(name);
      return typeof v === 'string' ? v : undefined;
    },
    file: (name) => files.get(name),
  };
}
