import { simpleParser } from 'mailparser';
import { insertMessage, type MessageStatus } from './db/messages.js';
import type { Database } from './db/pool.js';
import type { ReceivedMail } from './smtp/server.js';

/** Why a stored mail has no event yet, until templates are matched. */
const NOT_MATCHED = 'no template matched: template matching is not enabled in this version';

/**
 * Stores one received mail in a single statement (so in one transaction): raw bytes, envelope,
 * Message-ID and subject. Mail whose MIME cannot be parsed is kept as `invalid`, never dropped.
 */
export async function ingestMail(db: Pick<Database, 'pool' | 'schema'>, mail: ReceivedMail): Promise<{ id: string; status: MessageStatus }> {
  let subject: string | null = null;
  let messageId: string | null = null;
  let status: MessageStatus = 'unmatched';
  let detail: string | null = NOT_MATCHED;
  try {
    const parsed = await simpleParser(mail.raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
    subject = parsed.subject ?? null;
    messageId = parsed.messageId ?? null;
  } catch (err) {
    status = 'invalid';
    detail = `the MIME structure could not be parsed: ${(err as Error).message}`;
  }
  const id = await insertMessage(db.pool, db.schema, { ...mail, subject, messageId, status, detail });
  return { id, status };
}
