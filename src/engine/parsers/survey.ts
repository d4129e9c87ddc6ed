/**
 * Best-effort reading of `%CUSTOMER_EXIT_SURVEY%` / `%REPRESENTATIVE_EXIT_SURVEY%` into
 * question/answer pairs. Accepted layouts (the real one is not documented):
 * - `Q: question` / `A: answer` lines;
 * - `Question?: answer` or `Question: answer` on one line;
 * - a question line ending in `?` or `:` followed by answer lines up to the next question.
 * Answers carrying the two characters `\n` (as the XML API does) get real line ends.
 */

/** One answered question. */
export interface SurveyAnswer {
  readonly seq: number;
  readonly question: string;
  readonly answer: string;
}

/** A parsed survey. */
export interface ParsedSurvey {
  readonly text: string;
  readonly recognised: boolean;
  readonly answers: readonly SurveyAnswer[];
}

function unescapeNewlines(answer: string): string {
  return answer.replace(/\\n/g, '\n').trim();
}

/** Splits a survey into question/answer pairs, or reports it unrecognised. */
export function parseSurvey(text: string): ParsedSurvey {
  const lines = text.split('\n').map((l) => l.trim());
  const nonBlank = lines.filter((l) => l !== '');
  const pairs: { question: string; answer: string }[] = [];
  const result = (ok: boolean): ParsedSurvey => ({
    text,
    recognised: ok && pairs.length > 0,
    answers: ok ? pairs.map((p, i) => ({ seq: i + 1, question: p.question, answer: unescapeNewlines(p.answer) })) : [],
  });

  if (nonBlank.length > 0 && /^Q(uestion)?\s*\d*[:.]/i.test(nonBlank[0]!)) {
    let question: string | null = null;
    for (const line of nonBlank) {
      const q = /^Q(?:uestion)?\s*\d*[:.]\s*(.*)$/i.exec(line);
      const a = /^A(?:nswer)?\s*\d*[:.]\s*(.*)$/i.exec(line);
      if (q) question = q[1]!;
      else if (a && question !== null) {
        pairs.push({ question, answer: a[1]! });
        question = null;
      } else if (pairs.length > 0 && question === null) pairs[pairs.length - 1]!.answer += `\n${line}`;
      else return result(false);
    }
    return result(true);
  }

  // One line per pair: every non-blank line has a question mark or colon followed by an answer.
  const inline = nonBlank.map((l) => /^(.{1,300}?[?:])\s+(\S.*)$/.exec(l));
  if (nonBlank.length > 0 && inline.every((m) => m !== null)) {
    for (const m of inline) pairs.push({ question: m![1]!.replace(/:$/, '').trim(), answer: m![2]! });
    return result(true);
  }

  // Question lines (ending in ? or :) each followed by their answer lines.
  let current: { question: string; answer: string } | null = null;
  for (const line of lines) {
    if (/[?:]$/.test(line) && line.length <= 300) {
      if (current) pairs.push(current);
      current = { question: line.replace(/:$/, '').trim(), answer: '' };
    } else if (current) {
      if (line !== '' || current.answer !== '') current.answer += current.answer === '' ? line : `\n${line}`;
    } else if (line !== '') {
      return result(false);
    }
  }
  if (current) pairs.push(current);
  return result(true);
}
