// The ceilings unmacro is measured against, each an SMTP server in its own process (as the
// daemon is), with smtp-server's defaults (its 100 ms wait before the greeting included):
//   bare  smtp-server that only drains the message stream
//   E     smtp-server + mailparser simpleParser + ONE INSERT (autocommit: the raw bytes and the
//         subject) before the 250: what any such daemon must do per mail
// Listens on 127.0.0.1, port 0, prints {"port":N} on one line and serves until SIGTERM.
// Usage (from bench/run.ts): node --import tsx bench/ceiling.ts bare|E [DATABASE_URL]
// E writes to a table bench_raw (id bigserial, subject text, raw bytea) that must exist.
import { simpleParser } from 'mailparser';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';

const MAX_MAIL_BYTES = 64 << 20;
const POOL_SIZE = 32;

const [kind, databaseUrl] = process.argv.slice(2);
const pool = kind === 'E' ? new pg.Pool({ connectionString: databaseUrl, max: POOL_SIZE }) : undefined;

/** What the server does with a whole mail before it answers 250. */
async function store(raw: Buffer): Promise<void> {
  if (!pool) return;
  const mail = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  await pool.query('INSERT INTO bench_raw (subject, raw) VALUES ($1, $2)', [mail.subject ?? null, raw]);
}

const server = new SMTPServer({
  authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], disableReverseLookup: true, logger: false, size: MAX_MAIL_BYTES,
  maxClients: 1000,
  onData(stream, _session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => store(Buffer.concat(chunks)).then(() => callback(), callback));
  },
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (server.server.address() as { port: number }).port })}\n`));
process.once('SIGTERM', () => server.close(() => void pool?.end().finally(() => process.exit(0))));
