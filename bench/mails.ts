// The benchmark's mails: real session-end mails as the appliance sends them, with TOKEN for the
// LSID so that the load client can make every copy distinct.
import { chat, compose, render, sessionEndValues, shippedTemplate } from '../test/support/mail.js';
import { TOKEN } from './load-client.js';

export const template = shippedTemplate('session-end');
const NOTE = 'Checked the VPN client and reinstalled the certificate bundle.\n';

/** Chat and note lines for each mail size the benchmark knows, by its label in KB. */
export const SIZES: Readonly<Record<string, readonly [chatLines: number, noteLines: number]>> = {
  2: [4, 0],
  20: [200, 110],
  200: [2000, 1300],
};

/** A session-end mail with `chatLines` chat lines and `noteLines` note lines. */
export function sessionEnd(chatLines: number, noteLines: number, lsid = TOKEN): Promise<Buffer> {
  const v = sessionEndValues({ LSID: lsid, SESSION_CHAT: chat(chatLines), SESSION_NOTES: NOTE.repeat(noteLines) });
  return compose({ subject: render(template.subject, v), text: render(template.body, v), messageId: `<${lsid}@support.example.com>` });
}

/** A session-end mail of about `bytes` bytes (within ~1%), made of a long chat. */
export async function sessionEndOfSize(bytes: number): Promise<Buffer> {
  const lines = 100_000; // enough that the probe's line numbers are about as long as the real ones
  const empty = (await sessionEnd(0, 0)).length;
  const perLine = ((await sessionEnd(lines, 0)).length - empty) / lines;
  return sessionEnd(Math.round((bytes - empty) / perLine), 0);
}
