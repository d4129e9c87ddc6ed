import type pg from 'pg';
import type { MatchResult } from '../engine/index.js';
import { insertEmailEvent, insertMatchedMail, mailOfEvent, type EventOrigin } from '../db/events.js';
import { insertMails } from '../db/mails.js';
import { findDelivery, insertMessage, updateOutcome, type MessageOutcome, type MessageStatus, type NewMessage } from '../db/messages.js';
import type { Database } from '../db/pool.js';
import type { ReceivedMail } from '../smtp/server.js';
import type { TemplateSet } from './catalog.js';
import { failureKind, contentReason } from '../db/failure.js';
import { StorageUnavailableError } from '../errors.js';
import { BatchBroken, createGroupCommit, writeBatch, type BatchSteps, type GroupCommit } from './batch.js';
import { readEvent, type EventRows } from './event.js';
import { parseMail, type ParsedMail } from './parse.js';

/** What became of one mail, for the SMTP log line and the import summary. */
export interface IngestResult {
  readonly id: string;
  readonly status: MessageStatus;
  /** True when an import skipped a delivery that was already stored (`id` is the stored one). */
  readonly skipped?: boolean;
  readonly messageId?: string | null;
  readonly template?: string;
  /** The event name, when the mail had one. */
  readonly event?: string;
  readonly lsid?: string | null;
  /** Milliseconds spent decoding and matching, then storing up to COMMIT. */
  readonly analyseMs: number;
  readonly storeMs: number;
}

/** A mail decoded and matched, ready to be written in one transaction. */
export interface Analysis {
  readonly parsed: ParsedMail | undefined;
  readonly outcome: MessageOutcome;
  readonly event: EventRows | undefined;
  /** Store the raw bytes without envelope or subject (the database refused the mail as decoded); the Message-ID and content hash while `parsed` is kept. */
  readonly bare?: boolean;
}

export interface IngestOptions {
  /** For imports: a delivery already stored (same Message-ID and content) is skipped, not stored again as a duplicate. */
  readonly skipKnownDeliveries?: boolean;
}

/** A decoded mail waiting for its transaction. */
export interface StoreRequest {
  readonly mail: ReceivedMail & { receivedAt: Date };
  readonly analysis: Analysis;
  readonly options: IngestOptions;
}

type Stored = Omit<IngestResult, 'analyseMs' | 'storeMs'>;

/** The group commit of mail: concurrent mails share a transaction, each resolved after its COMMIT. */
export type MailWriter = GroupCommit<StoreRequest, Stored>;

/** A writer for `db`; `onBatch` hears the size of each transaction; `inFlight` bounds the transactions at once. */
export function createMailWriter(
  db: Pick<Database, 'pool' | 'schema' | 'kind'>,
  options: { readonly onBatch?: (mails: number) => void; readonly inFlight?: number } = {},
): MailWriter {
  return createGroupCommit<StoreRequest, Stored>({ db, steps: mailSteps(db), bytes: (request) => request.mail.raw.length, ...options });
}

/** How mails are stored: a batch in one statement, or (when that is refused) each mail on its own. */
function mailSteps(db: Pick<Database, 'schema' | 'kind'>): BatchSteps<StoreRequest, Stored> {
  const prepared = db.kind === 'server';
  return {
    all: async (client, requests) => {
      const ids = await insertMails(client, db.schema, requests.map(({ mail, analysis }) => ({ message: newMessage(mail, analysis), event: eventOf(mail.receivedAt, analysis) })), prepared);
      return requests.map(({ analysis }, i) => storedAs(ids[i] as string, analysis.outcome.status, analysis));
    },
    each: (client, request) => storeOrExplain(client, db.schema, prepared, request),
  };
}

/**
 * The pipeline for one mail: decode, match, then store the message and its event in ONE
 * transaction (shared with the mails that wait for it, through `writer`). It resolves only after
 * COMMIT; any failure rolls back everything it wrote.
 */
export async function ingestMail(
  deps: { db: Pick<Database, 'pool' | 'schema' | 'kind'>; templates: TemplateSet; writer?: MailWriter },
  mail: ReceivedMail,
  options: IngestOptions = {},
): Promise<IngestResult> {
  const started = performance.now();
  const analysis = await analyse(mail.raw, mail.rcptTo, deps.templates);
  const analysed = performance.now();
  const received = { ...mail, receivedAt: validDate(mail.receivedAt) ?? validDate(analysis.parsed?.date) ?? new Date() };
  const request: StoreRequest = { mail: received, analysis, options };
  const stored = deps.writer
    ? await deps.writer.write(request)
    : await storeAlone(deps.db, request);
  return { ...stored, analyseMs: analysed - started, storeMs: performance.now() - analysed };
}

/** One mail in a transaction of its own. */
async function storeAlone(db: Pick<Database, 'pool' | 'schema' | 'kind'>, request: StoreRequest): Promise<Stored> {
  const [settled] = await writeBatch(db.pool, [request], mailSteps(db));
  if (!settled?.ok) throw settled?.error;
  return settled.value;
}

/** Attempts when a concurrent delivery of the same mail wins a race (its commit decides the outcome of the next attempt). */
const CONFLICT_ATTEMPTS = 3;

/**
 * Stores the mail in the batch's transaction, behind a savepoint, so that its failure undoes its
 * own rows only. When the database rejects its content (a failure no retry can cure), stores it
 * again as `invalid` with the reason and the raw bytes, so the sender gets 250 rather than a 451
 * forever. Only an unavailable database fails the mail (StorageUnavailableError: 451 / 503).
 */
async function storeOrExplain(client: pg.PoolClient, schema: string, prepared: boolean, request: StoreRequest): Promise<Stored> {
  const { mail, options } = request;
  let analysis = request.analysis;
  await client.query('SAVEPOINT mail');
  for (let attempt = 1; ; attempt++) {
    try {
      const stored = await store(client, schema, prepared, mail, analysis, options);
      await client.query('RELEASE SAVEPOINT mail');
      return stored;
    } catch (err) {
      await client.query('ROLLBACK TO SAVEPOINT mail').catch((lost: unknown) => {
        throw new BatchBroken(lost);
      });
      const kind = failureKind(err);
      if (kind === 'conflict' && attempt < CONFLICT_ATTEMPTS) continue;
      // Then the raw bytes with the Message-ID and content hash (a retry is still known), then the raw bytes alone.
      if (kind !== 'content' || (analysis.bare && !analysis.parsed)) {
        await client.query('RELEASE SAVEPOINT mail').catch((lost: unknown) => {
          throw new BatchBroken(lost);
        });
        throw new StorageUnavailableError(err);
      }
      const reason = `the database cannot hold this mail as it is: ${contentReason(err)}`;
      analysis = { parsed: analysis.bare ? undefined : analysis.parsed, event: undefined, outcome: outcome('invalid', reason), bare: true };
    }
  }
}

function validDate(d: Date | null | undefined): Date | undefined {
  return d && Number.isFinite(d.getTime()) && d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999 ? d : undefined;
}

/** Decodes and matches a raw mail; pure but for the parser. Never throws for bad input. */
export async function analyse(raw: Buffer, rcptTo: readonly string[], templates: TemplateSet): Promise<Analysis> {
  let parsed: ParsedMail;
  try {
    parsed = await parseMail(raw);
  } catch (err) {
    return { parsed: undefined, event: undefined, outcome: outcome('invalid', `the MIME structure could not be parsed: ${(err as Error).message}`) };
  }
  let match: MatchResult;
  try {
    const recipients = rcptTo.length > 0 ? [...rcptTo] : [...parsed.recipients];
    match = templates.matcher.match({ subject: parsed.subject, text: parsed.text, html: parsed.html, recipients });
  } catch (err) {
    // An engine fault must not lose the mail: keep it as unmatched, to be reprocessed.
    return { parsed, event: undefined, outcome: outcome('unmatched', `matching failed: ${(err as Error).message}`) };
  }
  if (match.status === 'unmatched') return { parsed, event: undefined, outcome: outcome('unmatched', match.explanation.message) };
  const name = match.template.name;
  const detail =
    match.status === 'ambiguous'
      ? [
          match.alternatives > 1 ? `${match.alternatives}${match.alternativesCapped ? ' or more' : ''} splits of the mail fit the template; the engine's rule chose one` : '',
          match.tiedTemplates.length > 0 ? `templates fit equally well: ${[name, ...match.tiedTemplates].join(', ')}` : '',
        ].filter(Boolean).join('; ')
      : null;
  const reading = readEvent(match);
  if (!reading.rows) return { parsed, event: undefined, outcome: outcome('unmatched', `template ${name} fits, but ${reading.refused}: no reading`) };
  return {
    parsed,
    event: reading.rows,
    outcome: {
      status: match.status,
      detail: [detail, reading.rows.detail].filter(Boolean).join('; ') || null,
      templateName: name,
      templateVersion: templates.versions.get(name) ?? null,
      alternatives: match.status === 'ambiguous' ? match.alternatives : null,
    },
  };
}

function outcome(status: MessageStatus, detail: string): MessageOutcome {
  return { status, detail, templateName: null, templateVersion: null, alternatives: null };
}

/**
 * Writes one mail in the caller's transaction: every row of it in ONE statement (a chat too long
 * for one follows in statements of its own). Only a second delivery of a stored mail takes a
 * statement of its own, to record it as a duplicate of the first.
 */
async function store(
  db: pg.PoolClient,
  schema: string,
  prepared: boolean,
  mail: ReceivedMail & { receivedAt: Date },
  a: Analysis,
  options: IngestOptions,
): Promise<Stored> {
  const message = newMessage(mail, a);
  const event = eventOf(mail.receivedAt, a);
  let id: string | undefined;
  let status: MessageStatus = a.outcome.status;
  let known: string | undefined;
  if (event) {
    const written = await insertMatchedMail(db, schema, message, event.rows, event.origin, prepared);
    id = written.messageId;
    status = (written.status as MessageStatus | undefined) ?? status;
    known = written.known;
  } else {
    id = (await insertMessage(db, schema, message))?.id;
  }
  if (id === undefined) {
    // The same delivery is already stored: keep this one too, marked and pointing at it.
    const original = known ?? (await findDelivery(db, schema, message.messageId as string, message.contentHash as Buffer));
    if (options.skipKnownDeliveries) return { id: original as string, status: 'duplicate', skipped: true, messageId: message.messageId };
    const duplicate = { status: 'duplicate', detail: `same Message-ID and content as message ${original}`, duplicateOf: original } as const;
    const dup = await insertMessage(db, schema, { ...message, ...duplicate, templateName: null, templateVersion: null, alternatives: null });
    return { id: dup?.id as string, status: 'duplicate', messageId: message.messageId };
  }
  return storedAs(id, status, a);
}

/** The `messages` row of a mail (without envelope or subject when the analysis says `bare`). */
function newMessage(mail: ReceivedMail & { receivedAt: Date }, a: Analysis): NewMessage {
  return {
    ...mail,
    ...a.outcome,
    ...(a.bare ? { mailFrom: null, rcptTo: [], remoteAddress: null } : {}),
    subject: a.bare ? null : (a.parsed?.subject ?? null),
    messageId: a.parsed?.messageId ?? null,
    contentHash: a.parsed?.contentHash ?? null,
    attachments: a.parsed?.attachments ?? 0,
  };
}

/** What a stored mail tells its sender and the log. */
function storedAs(id: string, status: MessageStatus, a: Analysis): Stored {
  const matched = a.outcome.templateName ? { template: a.outcome.templateName, event: a.event?.event, lsid: a.event?.lsid ?? null } : {};
  return { id, status, messageId: a.parsed?.messageId ?? null, ...matched };
}

function eventOf(receivedAt: Date, a: Analysis): { rows: EventRows; origin: EventOrigin } | undefined {
  const origin = eventOrigin(receivedAt, a);
  return a.event && origin ? { rows: a.event, origin } : undefined;
}

function eventOrigin(receivedAt: Date, a: Analysis): EventOrigin | undefined {
  const { templateName, templateVersion } = a.outcome;
  return a.event && templateName && templateVersion !== null ? { receivedAt, templateName, templateVersion } : undefined;
}

/** An identical event is already stored (from another mail): this mail becomes a duplicate of that one. */
async function markEventDuplicate(client: pg.PoolClient, schema: string, mailId: string, a: Analysis): Promise<'duplicate'> {
  const original = await mailOfEvent(client, schema, a.event?.dedupKey as Buffer);
  await updateOutcome(client, schema, mailId, { ...a.outcome, status: 'duplicate', detail: `identical event to the one of message ${original}`, duplicateOf: original ?? null });
  return 'duplicate';
}

/**
 * Stores the event of a message whose outcome is already recorded (reprocessing), and returns the
 * message's final status: an identical event already stored makes it a duplicate.
 */
export async function attachEvent(client: pg.PoolClient, schema: string, mailId: string, receivedAt: Date, a: Analysis): Promise<MessageStatus> {
  const origin = eventOrigin(receivedAt, a);
  if (!a.event || !origin) return a.outcome.status;
  if ((await insertEmailEvent(client, schema, mailId, a.event, origin)) !== undefined) return a.outcome.status;
  return markEventDuplicate(client, schema, mailId, a);
}
