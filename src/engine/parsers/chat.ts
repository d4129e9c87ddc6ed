/**
 * Best-effort reading of `%SESSION_CHAT%` into messages. The layout is not documented; a
 * message is recognised as a line that starts with a time (optionally bracketed, optionally with
 * a date), then `Speaker: text`; a timed line without `Speaker:` is a system line ("Jane has
 * joined the session"). Lines that do not start with a time continue the message above. When the
 * first line has no time the transcript is reported unrecognised instead of guessed.
 */

/** One chat message. */
export interface ChatLine {
  /** 1-based order in the transcript. */
  readonly seq: number;
  /** The time as rendered (for example `15:26:05` or `12/3/2024 4:10:02 PM`). */
  readonly timeText: string;
  /** Who wrote it; null for system lines. */
  readonly speaker: string | null;
  /** The message, continuation lines joined with `\n`. */
  readonly body: string;
}

/** A parsed transcript. */
export interface ParsedChat {
  readonly text: string;
  readonly recognised: boolean;
  readonly lines: readonly ChatLine[];
}

// Bounded quantifiers only: this runs on every line of transcripts that can be megabytes long.
const TIME =
  /^[[(]?((?:\d{4}-\d{1,2}-\d{1,2}[ T]|\d{1,2}\/\d{1,2}\/\d{2,4},? )?\d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp][Mm])?(?: [A-Z]{2,5})?)[\])]?(?: -)? +/;
const SPEAKER = /^([^:\n]{1,80}?): ?/;

/** Splits a chat transcript into messages (see the module comment for the accepted layout). */
export function parseChat(text: string): ParsedChat {
  // One object per message, made once (a long transcript has hundreds of thousands): continuation lines extend its body.
  const lines: { seq: number; timeText: string; speaker: string | null; body: string }[] = [];
  let current: (typeof lines)[number] | undefined;
  for (const line of text.split('\n')) {
    const time = TIME.exec(line);
    if (time) {
      const rest = line.slice(time[0].length);
      const speaker = SPEAKER.exec(rest);
      const seq = lines.length + 1;
      // "has joined the session." has no colon: a system line without a speaker.
      current = speaker
        ? { seq, timeText: time[1]!, speaker: speaker[1]!.trim(), body: rest.slice(speaker[0].length) }
        : { seq, timeText: time[1]!, speaker: null, body: rest };
      lines.push(current);
    } else if (current) {
      current.body += `\n${line}`;
    } else if (line.trim() !== '') {
      return { text, recognised: false, lines: [] };
    }
  }
  return { text, recognised: lines.length > 0, lines };
}
