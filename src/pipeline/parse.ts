import { createHash } from 'node:crypto';
import type { AttachmentStream, MessageText } from 'mailparser';
import { htmlToText } from '../engine/index.js';
import { updateInSlices } from '../hashing.js';

/** What the pipeline needs of a mail's MIME content. */
export interface ParsedMail {
  readonly subject: string;
  readonly messageId: string | null;
  readonly date: Date | null;
  /** The text part; the engine's text conversion of the HTML part when there is no text part. */
  readonly text: string;
  readonly html: string | undefined;
  readonly attachments: number;
  /** To and Cc addresses: the recipients of imported mail, which has no envelope. */
  readonly recipients: readonly string[];
  /** sha256 of subject and content: the same mail again, whatever headers relays added. */
  readonly contentHash: Buffer;
}

/**
 * mailparser, loaded on first use: it takes ~0.4 s to import, which commands that parse no mail
 * should not pay. Kept once loaded: an `import()` per mail costs a resolution each time (under a
 * loader such as tsx, a round trip to its thread).
 */
let mailparser: Promise<typeof import('mailparser')> | undefined;

/**
 * Decodes a raw mail with mailparser's streaming parser: attachment content is drained, never
 * kept, and the work we do not need (text-to-HTML, link detection) is switched off. Throws when
 * the MIME structure cannot be parsed.
 */
export async function parseMail(raw: Buffer): Promise<ParsedMail> {
  const { MailParser } = await (mailparser ??= import('mailparser'));
  return new Promise((resolve, reject) => {
    const parser = new MailParser({ skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
    let attachments = 0;
    let content: MessageText | undefined;
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type === 'attachment') {
        attachments += 1;
        data.content.on('end', () => data.release?.());
        data.content.resume();
      } else {
        content = data;
      }
    });
    parser.on('error', reject);
    parser.on('end', () => {
      // mailparser accepts anything; a "mail" without a single header field is not one.
      if (!parser.headers || parser.headers.size === 0) {
        reject(new Error('no header fields: not an RFC 5322 message'));
        return;
      }
      const html = content?.html || undefined;
      const text = content?.text ?? (html ? htmlToText(html) : '');
      const subject = parser.subject ?? '';
      const hash = createHash('sha256').update(subject).update('\0');
      updateInSlices(hash, text).update('\0');
      updateInSlices(hash, html ?? '');
      resolve({
        subject,
        messageId: parser.messageId ?? null,
        date: parser.date && !Number.isNaN(parser.date.getTime()) ? parser.date : null,
        text,
        html,
        attachments,
        recipients: [parser.to, parser.cc].flat().flatMap((a) => a?.value ?? []).flatMap((a) => (a.address ? [a.address] : [])),
        contentHash: hash.digest(),
      });
    });
    parser.end(raw);
  });
}
