/**
 * Reading a mail off the DATA stream into one Buffer, within a byte budget shared by every
 * connection: memory for mail is bounded by the budget, not by connections x the size limit.
 */

/** Mail bytes held at once by the whole receiver: received and not yet answered. */
export interface ByteBudget {
  /** Takes `bytes` when they fit under the limit and returns true; else takes nothing and returns false. */
  take(bytes: number): boolean;
  /** Gives back bytes taken before. */
  give(bytes: number): void;
  readonly used: number;
  readonly limit: number;
}

export function createByteBudget(limit: number): ByteBudget {
  let used = 0;
  return {
    take(bytes) {
      if (used + bytes > limit) return false;
      used += bytes;
      return true;
    },
    give(bytes) {
      used = Math.max(0, used - bytes);
    },
    get used() {
      return used;
    },
    limit,
  };
}

/** How a DATA transfer ended. `held` bytes of the budget are the caller's to give back once it has answered. */
export type Received =
  | { readonly kind: 'mail'; readonly raw: Buffer; readonly held: number }
  | { readonly kind: 'oversized'; readonly bytes: number; readonly held: 0 }
  | { readonly kind: 'over-budget'; readonly bytes: number; readonly held: 0 };

/** The DATA stream as smtp-server hands it over. */
export interface DataStream extends AsyncIterable<Buffer> {
  readonly sizeExceeded?: boolean;
}

/**
 * Reads the whole stream, always to its end (the client is owed a reply after its final dot).
 * With a declared size (SIZE=), the bytes go into one buffer allocated once; without it, the
 * chunks are joined once at the end. Past the size limit, or when the budget cannot hold the
 * mail, the rest is drained without being kept and what was taken is given back at once.
 */
export async function readMail(
  stream: DataStream,
  options: { readonly budget: ByteBudget; readonly maxBytes: number; readonly declaredBytes?: number; readonly onChunk?: (bytes: number) => void },
): Promise<Received> {
  const { budget } = options;
  const declared = options.declaredBytes !== undefined && options.declaredBytes > 0 ? Math.min(options.declaredBytes, options.maxBytes) : 0;
  let held = 0;
  let bytes = 0;
  let dropped = false;
  // Reserve the declared size up front: a mail the budget cannot hold is refused before its bytes pile up.
  if (declared > 0) {
    if (budget.take(declared)) held = declared;
    else dropped = true;
  }
  let buffer: Buffer | undefined = !dropped && declared > 0 ? Buffer.allocUnsafeSlow(declared) : undefined;
  let chunks: Buffer[] = [];
  const drop = () => {
    dropped = true;
    budget.give(held);
    held = 0;
    buffer = undefined;
    chunks = [];
  };
  try {
    for await (const chunk of stream) {
      options.onChunk?.(chunk.length);
      const at = bytes;
      bytes += chunk.length;
      if (dropped || stream.sizeExceeded) {
        if (!dropped) drop();
        continue;
      }
      if (bytes > held) {
        if (!budget.take(bytes - held)) {
          drop();
          continue;
        }
        held = bytes;
      }
      if (buffer && bytes <= buffer.length) {
        chunk.copy(buffer, at);
      } else {
        // More than declared (SIZE is an estimate): what is in the buffer becomes the first chunk.
        if (buffer) chunks.push(buffer.subarray(0, at));
        buffer = undefined;
        chunks.push(chunk);
      }
    }
  } catch (err) {
    // The connection went away mid-DATA (the library destroys the stream): nothing is held any more.
    drop();
    throw err;
  }
  if (stream.sizeExceeded) return { kind: 'oversized', bytes, held: 0 };
  if (dropped) return { kind: 'over-budget', bytes, held: 0 };
  if (buffer) {
    if (bytes >= buffer.length / 2) return { kind: 'mail', raw: buffer.subarray(0, bytes), held };
    // Far short of its declared size: copied out, so that the slack is neither held nor counted until the reply.
    const raw = Buffer.from(buffer.subarray(0, bytes));
    budget.give(held - bytes);
    return { kind: 'mail', raw, held: bytes };
  }
  const raw = chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, bytes);
  chunks = [];
  return { kind: 'mail', raw, held };
}
