/** Reading a console form POST: URL-encoded or multipart (file uploads), bounded in size. */
import type http from 'node:http';

/** A refusal with its HTTP status and a message safe to show. */
export class FormError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The fields of a submitted form. */
export interface Form {
  /** A text field (undefined when absent). */
  get(name: string): string | undefined;
  /** An uploaded file's name and bytes, when one was chosen. */
  file(name: string): { name: string; bytes: Buffer } | undefined;
}

export async function readForm(req: http.IncomingMessage, limit: number): Promise<Form> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw new FormError(413, `the form is over ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  const type = req.headers['content-type'] ?? '';
  let data: FormData;
  try {
    data = await new Response(Buffer.concat(chunks), { headers: { 'content-type': type } }).formData();
  } catch {
    throw new FormError(400, 'the request body is not a form');
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
