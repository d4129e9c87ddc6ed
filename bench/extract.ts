// Benchmark of the template engine (npm run bench:extract). Prints numbers; asserts nothing
// beyond the results being the expected kind, so a regression shows as a number, not a failure.
import { performance } from 'node:perf_hooks';
import { createMatcher, htmlToText, parseTemplate, type MailInput, type Matcher, type Template } from '../src/engine/index.js';

const LSID = 'e9e99aeb9ad54fb381634498502c5a1b';

const SESSION_END_BODY = `Session: %LSID% (#%LSEQ%)
Ticket: %EXTERNAL_KEY%
Customer: %CUSTOMER_NAME%
Computer: %CUSTOMER_COMPUTER-NAME%
Representative: %PRIMARY_REP_PUBLIC_DISPLAY_NAME% | %PRIMARY_REP_PRIVATE_DISPLAY_NAME% | %PRIMARY_REP_USER_NAME%
Started: %START_TIME%
Ended: %END_TIME%

=== Summary ===
%SESSION_SUMMARY%
=== Notes ===
%SESSION_NOTES%
=== Chat transcript ===
%SESSION_CHAT%
=== End of chat transcript ===
=== System information ===
%SYSTEM_INFORMATION%
=== Recordings ===
Screen: %SCREEN_SHARING_RECORDING%
Shell:
%COMMAND_SHELL_RECORDING%
-- sent by the support appliance --`;

function makeTemplate(name: string, subject: string, body: string): Template {
  const r = parseTemplate(`Name: ${name}\nEvent: session-end\nSubject: ${subject}\n\n${body}\n`);
  if (!r.template) throw new Error(JSON.stringify(r.errors));
  return r.template;
}

function chatLines(bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = i % 9 === 4
      ? 'continuation line: === Notes === and Ticket: INC1 typed by the customer'
      : `[${String(10 + (i % 12)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:07] ${i % 2 ? 'Jane Roe' : 'John Smith'}: message ${i} about the printer (offline) see https://kb.example.com/?id=${i}&x=1`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

function render(chat: string, prefix = ''): MailInput {
  const v: Record<string, string> = {
    LSID, LSEQ: '22817', EXTERNAL_KEY: 'INC0012345', CUSTOMER_NAME: 'José Müller (Accounting)', 'CUSTOMER_COMPUTER-NAME': 'ACCT-PC-07',
    PRIMARY_REP_PUBLIC_DISPLAY_NAME: 'John Smith', PRIMARY_REP_PRIVATE_DISPLAY_NAME: 'John S. (IT)', PRIMARY_REP_USER_NAME: 'CORP\\jsmith',
    START_TIME: '12/3/2024 4:10:02 PM EST', END_TIME: '2024-12-03 16:40:09 -05:00',
    SESSION_SUMMARY: 'Representative: John S. (ID 12)\nCustomer: José Müller\nCustomer IP: [2001:db8::1f]:50211\nPublic IP: 203.0.113.45:61606\nDuration: 00:30:07\nFiles Transferred: 2',
    SESSION_NOTES: 'Reinstalled the printer driver.\nCustomer confirmed the test page.',
    SESSION_CHAT: chat,
    SYSTEM_INFORMATION: 'Operating System: Windows 11 Pro\nComputer Name: ACCT-PC-07\nUser: jmuller\nUptime: 3 days',
    SCREEN_SHARING_RECORDING: `https://support.example.com/session_download?lsid=l%3D${LSID}%3Bh%3D0c5b8&dl_action=video`,
    COMMAND_SHELL_RECORDING: 'https://support.example.com/session_download?lsid=l%3Dx%3Bh%3D11&dl_action=shell\nhttps://support.example.com/session_download?lsid=l%3Dx%3Bh%3D22&dl_action=shell',
  };
  const text = prefix + SESSION_END_BODY.replace(/%([A-Z_-]+)%/g, (_, name: string) => v[name]!);
  return { subject: `${prefix.trim()}[Support] Session ${LSID} ended - ticket INC0012345`, text };
}

/** Median time in ms of `fn` over `runs` runs (after warm-up). */
function time(fn: () => void, runs: number): number {
  for (let i = 0; i < Math.min(runs, 20); i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

function expectFound(m: Matcher, mail: MailInput): void {
  const r = m.match(mail);
  if (r.status === 'unmatched') throw new Error(`benchmark mail did not match: ${r.explanation.message}`);
}

const subject = '[Support] Session %LSID% ended - ticket %EXTERNAL_KEY%';
const single = createMatcher([makeTemplate('session-end', subject, SESSION_END_BODY)]);

// 1. A 5 KB session-end mail with every macro.
const mail5k = render(chatLines(5 * 1024 - 1100));
expectFound(single, mail5k);
const t5k = time(() => single.match(mail5k), 3000);
console.log(`5 KB session-end mail (${(mail5k.text.length / 1024).toFixed(1)} KB, all 16 macros): ${t5k.toFixed(3)} ms per mail (target < 0.2 ms)`);

// 2. Throughput on 1 MB chats.
const mail1m = render(chatLines(1024 * 1024));
expectFound(single, mail1m);
const t1m = time(() => single.match(mail1m), 30);
console.log(`1 MB chat: ${t1m.toFixed(2)} ms per mail, ${(mail1m.text.length / 1e6 / (t1m / 1000)).toFixed(0)} MB/s (target >= 50 MB/s)`);

// 3. Adversarial 10 MB bodies: the template's own literals repeated, and long one-line runs.
const TEN_MB = 10 * 1024 * 1024;
const adversarial: { name: string; template: Template; mail: MailInput }[] = [];
{
  const repeated = '\n=== End of chat transcript ===\n=== System information ===\n=== Notes ===\n';
  const chat = repeated.repeat(Math.ceil(TEN_MB / repeated.length)).slice(0, TEN_MB);
  adversarial.push({ name: 'chat made of the template\'s literals', template: makeTemplate('session-end', subject, SESSION_END_BODY), mail: render(chat) });
}
{
  const body = 'Rep: %PRIMARY_REP_PRIVATE_DISPLAY_NAME% (%PRIMARY_REP_USER_NAME%) (%CUSTOMER_NAME%)\nEnd';
  const line = 'Rep: ' + ' ('.repeat(TEN_MB / 2) + ')\nEnd';
  adversarial.push({ name: '10 MB single line of " ("', template: makeTemplate('names', 'x', body), mail: { subject: 'x', text: line } });
}
{
  const body = 'x\n%SESSION_NOTES%\nx\n%SESSION_CHAT%\nx\n%SYSTEM_INFORMATION%\nx';
  adversarial.push({ name: '"x\\n" repeated (every line is an anchor)', template: makeTemplate('xs', 'x', body), mail: { subject: 'x', text: 'x\n'.repeat(TEN_MB / 2) } });
}
{
  const body = 'S %LSID% %LSEQ% %LSID%\n%SESSION_CHAT%';
  adversarial.push({ name: 'hex, digits and spaces (typed slots)', template: makeTemplate('typed', 'x', body), mail: { subject: 'x', text: `S ${'a1 '.repeat(TEN_MB / 3)}\nchat` } });
}
let worst = 0;
for (const a of adversarial) {
  const m = createMatcher([a.template]);
  const t = time(() => m.match(a.mail), 3);
  const r = m.match(a.mail);
  worst = Math.max(worst, t);
  console.log(`10 MB adversarial body, ${a.name}: ${t.toFixed(0)} ms (${r.status}${r.status === 'unmatched' ? '' : `, ${r.alternatives} alternatives`})`);
}
console.log(`10 MB adversarial body, worst: ${worst.toFixed(0)} ms (target < 1000 ms)`);

// HTML to text on 10 MB of hostile markup (the mail's HTML part is converted before matching).
{
  let worstHtml = 0;
  for (const unit of ['<a', '<a x="', '< ', '<!--', '&', '&amp', '<script>', '<a href="', '</', '<p title=">']) {
    const input = unit.repeat(Math.ceil(TEN_MB / unit.length));
    worstHtml = Math.max(worstHtml, time(() => htmlToText(input), 3));
  }
  console.log(`10 MB adversarial HTML to text, worst of 10 shapes: ${worstHtml.toFixed(0)} ms (target < 1000 ms)`);
}

// 4. Selection: 1,000 active templates against 10.
function siteTemplates(count: number): Template[] {
  return Array.from({ length: count }, (_, i) =>
    makeTemplate(`site-${i}`, `[Site ${i}] Session %LSID% ended - ticket %EXTERNAL_KEY%`, `Site ${i} support\n${SESSION_END_BODY}`),
  );
}
const siteMail = (i: number): MailInput => {
  const m = render(chatLines(5 * 1024 - 1100), `Site ${i} support\n`);
  return { subject: `[Site ${i}] Session ${LSID} ended - ticket INC0012345`, text: m.text };
};
const m10 = createMatcher(siteTemplates(10));
const m1000 = createMatcher(siteTemplates(1000));
const mails = [3, 7, 9].map(siteMail);
for (const mail of mails) {
  expectFound(m10, mail);
  expectFound(m1000, mail);
}
// Alternating rounds, so that load from other processes hits both sides alike.
const rounds: { t10: number; t1000: number }[] = [];
for (let round = 0; round < 5; round++) {
  const t10 = time(() => mails.forEach((mail) => m10.match(mail)), 500) / mails.length;
  const t1000 = time(() => mails.forEach((mail) => m1000.match(mail)), 500) / mails.length;
  rounds.push({ t10, t1000 });
}
rounds.sort((a, b) => a.t1000 / a.t10 - b.t1000 / b.t10);
const mid = rounds[2]!;
console.log(
  `selection: ${mid.t10.toFixed(3)} ms with 10 templates, ${mid.t1000.toFixed(3)} ms with 1,000: ratio ${(mid.t1000 / mid.t10).toFixed(2)} (median of 5 rounds; target <= 2)`,
);
