import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';

/** One mail read from an archive. */
export interface ArchivedMail {
  readonly raw: Buffer;
  /** Where it came from, for messages: `file`, or `file#n` for the n-th mail of an mbox. */
  readonly origin: string;
  /** The envelope sender and time of an mbox separator line, when there is one. */
  readonly mailFrom?: string;
  readonly receivedAt?: Date;
  /** Bytes of the archive read so far, for progress. */
  readonly bytesRead: number;
}

/** What will be read: the files, and their total size for progress. */
export interface ImportPlan {
  readonly files: readonly { path: string; kind: 'eml' | 'mbox' }[];
  readonly totalBytes: number;
}

/**
 * Resolves the paths: a Maildir (a folder with cur/ or new/) gives its mails, another folder its
 * files, a file whose first line starts with "From " is an mbox, any other file one mail.
 */
export async function planImport(paths: readonly string[]): Promise<ImportPlan> {
  const files: { path: string; kind: 'eml' | 'mbox' }[] = [];
  let totalBytes = 0;
  for (const p of paths) {
    const stat = await fs.stat(p).catch(() => {
      throw new UserError('IMPORT_PATH', `cannot read ${p}: no such file or folder`);
    });
    const entries = stat.isDirectory() ? await folderFiles(p) : [p];
    for (const file of entries) {
      const head = Buffer.alloc(5);
      const handle = await fs.open(file, 'r');
      try {
        await handle.read(head, 0, 5, 0);
        totalBytes += (await handle.stat()).size;
      } finally {
        await handle.close();
      }
      files.push({ path: file, kind: head.toString('latin1') === 'From ' ? 'mbox' : 'eml' });
    }
  }
  return { files, totalBytes };
}

async function folderFiles(dir: string): Promise<string[]> {
  const names = await fs.readdir(dir);
  const maildir = names.includes('cur') || names.includes('new');
  const folders = maildir ? ['cur', 'new'].filter((n) => names.includes(n)).map((n) => path.join(dir, n)) : [dir];
  const files: string[] = [];
  for (const folder of folders) {
    for (const entry of (await fs.readdir(folder, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isFile() && !entry.name.startsWith('.')) files.push(path.join(folder, entry.name));
    }
  }
  return files;
}

/** Every mail of the plan, one at a time; mbox files are streamed, never held whole in memory. */
export async function* readArchive(plan: ImportPlan): AsyncGenerator<ArchivedMail> {
  let before = 0;
  for (const file of plan.files) {
    if (file.kind === 'eml') {
      const raw = await fs.readFile(file.path);
      before += raw.length;
      yield { raw, origin: file.path, bytesRead: before };
    } else {
      let last = 0;
      for await (const mail of readMbox(file.path)) {
        last = mail.bytesRead;
        yield { ...mail, bytesRead: before + mail.bytesRead };
      }
      before += last;
    }
  }
}

const SEPARATOR = /^From (\S+)\s+(.*?)\s*$/;
const QUOTED_FROM = /^>+From /;

/**
 * Splits an mbox at its "From " lines and undoes the quoting of body lines (mboxrd: one '>' off
 * every ">...>From " line; for mboxo that is exactly its one quoting rule).
 */
export async function* readMbox(file: string): AsyncGenerator<ArchivedMail> {
  let lines: Buffer[] = [];
  let separator: { mailFrom?: string; receivedAt?: Date } | undefined;
  let count = 0;
  let bytesRead = 0;
  const finish = (): ArchivedMail | undefined => {
    if (!separator) return undefined;
    // The line break before the next separator belongs to the mbox, not to the mail.
    const last = lines.at(-1);
    if (last && (last.length === 1 || (last.length === 2 && last[0] === 0x0d)) && last.at(-1) === 0x0a) lines.pop();
    count += 1;
    const mail = { raw: Buffer.concat(lines), origin: `${file}#${count}`, ...separator, bytesRead };
    lines = [];
    return mail;
  };
  for await (const line of splitLines(createReadStream(file))) {
    bytesRead += line.length;
    if (line[0] === 0x46 && line.subarray(0, 5).toString('latin1') === 'From ') {
      const mail = finish();
      if (mail) yield mail;
      separator = parseSeparator(line.toString('latin1'));
      continue;
    }
    if (line[0] === 0x3e && QUOTED_FROM.test(line.subarray(0, 80).toString('latin1'))) lines.push(line.subarray(1));
    else lines.push(line);
  }
  const mail = finish();
  if (mail) yield mail;
}

function parseSeparator(line: string): { mailFrom?: string; receivedAt?: Date } {
  const m = SEPARATOR.exec(line.replace(/\r?\n$/, ''));
  if (!m) return {};
  const date = new Date(`${m[2]} UTC`);
  const sender = m[1] === 'MAILER-DAEMON' ? undefined : m[1];
  return { ...(sender ? { mailFrom: sender } : {}), ...(Number.isNaN(date.getTime()) ? {} : { receivedAt: date }) };
}

/** Lines of a byte stream, each with its line end; binary-safe. */
async function* splitLines(stream: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of stream) {
    let data = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    let nl: number;
    while ((nl = data.indexOf(0x0a, start)) >= 0) {
      yield data.subarray(start, nl + 1);
      start = nl + 1;
    }
    rest = Buffer.from(data.subarray(start));
    data = rest;
  }
  if (rest.length) yield rest;
}
