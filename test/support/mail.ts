// Mails as the appliance would send them: a template's text with the macros filled in, wrapped
// in real MIME by nodemailer's composer.
import { readFileSync } from 'node:fs';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';

/** A template file from the repository's templates/ folder: its text, subject line and body. */
export function shippedTemplate(name: string): { source: string; subject: string; body: string } {
  const source = readFileSync(new URL(`../../templates/${name}.tmpl`, import.meta.url), 'utf8');
  const [head = '', ...rest] = source.split('\n\n');
  const subject = /^Subject: (.*)$/m.exec(head)?.[1] ?? '';
  return { source, subject, body: rest.join('\n\n').replace(/\n$/, '') };
}

/** Replaces every `%MACRO%` of `text` with its value; macros without a value stay as written. */
export function render(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/%([A-Z_-]+)%/g, (whole, name: string) => values[name] ?? whole);
}

/** Builds the raw bytes of a mail. */
export function compose(options: Mail.Options): Promise<Buffer> {
  return new MailComposer({ from: 'appliance@support.example.com', to: 'unmacro@example.com', ...options }).compile().build();
}

/** Values for a realistic session end, every macro filled; override what a test needs. */
export function sessionEndValues(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    LSID: 'E9E99AEB9AD54FB381634498502C5A1B',
    LSEQ: '22817',
    EXTERNAL_KEY: 'INC0012345',
    CUSTOMER_NAME: 'Ana Müller (Finance)',
    'CUSTOMER_COMPUTER-NAME': 'FIN-LT-0042',
    PRIMARY_REP_PRIVATE_DISPLAY_NAME: 'John Smith [L2]',
    PRIMARY_REP_PUBLIC_DISPLAY_NAME: 'John',
    PRIMARY_REP_USER_NAME: 'CORP\\jsmith',
    START_TIME: '2024-12-03T15:26:05+00:00',
    END_TIME: '2024-12-03T16:10:02+00:00',
    SESSION_SUMMARY: 'Representative: John Smith (12)\nCustomer: Ana Müller\nPublic IP: 203.0.113.45:61606\nDuration: 00:43:57',
    SESSION_NOTES: 'Reinstalled the VPN client.\nCustomer will reboot tonight.',
    SESSION_CHAT: chat(3),
    SYSTEM_INFORMATION: 'Operating System: Windows 11 Pro\nMemory: 16 GB',
    SCREEN_SHARING_RECORDING: 'https://support.example.com/session_download?lsid=l%3Dabc%3Bh%3Ddef&dl_action=video',
    COMMAND_SHELL_RECORDING:
      'https://support.example.com/session_download?lsid=l%3Dabc&dl_action=shell&n=1\nhttps://support.example.com/session_download?lsid=l%3Dabc&dl_action=shell&n=2',
    ...overrides,
  };
}

/** A chat transcript of `lines` messages alternating between the representative and the customer. */
export function chat(lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const time = `15:${String(26 + Math.floor(i / 60) % 30).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`;
    out.push(i % 2 === 0 ? `${time} John: Message ${i + 1}, please try again.` : `${time} Ana Müller: Reply ${i + 1}: it still fails [b]sometimes[/b].`);
  }
  return out.join('\n');
}
