/**
 * Lint: template shapes that parse but make extraction fragile or ambiguous. Each warning says
 * why and what to change. Heuristics only: a warning never stops a template from being used.
 */
import { indexText } from './anchors.js';
import type { Constraint } from './relation.js';
import type { MacroInfo } from './catalogue.js';
import type { Diagnostic, WarningCode } from './diagnostics.js';
import { fits } from './extract.js';
import { scanMacroTokens, type Pattern, type Slot } from './pattern.js';
import type { Template } from './template.js';

/** An anchor after a multi-line value shorter than this (non-blank characters) is weak. */
const WEAK_ANCHOR_CHARS = 8;

/**
 * Characters the values of one-line macros often contain, per macro. A literal that follows
 * such a value and starts (after optional spaces) with one of them can also match inside it.
 */
const OFTEN_CONTAINED: Record<string, string> = {
  CUSTOMER_NAME: " ()[].,'-&/",
  PRIMARY_REP_PRIVATE_DISPLAY_NAME: " ()[].,'-&/",
  PRIMARY_REP_PUBLIC_DISPLAY_NAME: " ()[].,'-&/",
  PRIMARY_REP_USER_NAME: '.@\\-_',
  'CUSTOMER_COMPUTER-NAME': '.-_ ',
  EXTERNAL_KEY: ' -#/:._',
  START_TIME: ' :/-.,+()',
  END_TIME: ' :/-.,+()',
};

/** Macros whose values are names or free keys: a `:` after them also occurs inside them ("Acme: IT Dept"). */
const NAME_LIKE = new Set([
  'CUSTOMER_NAME', 'PRIMARY_REP_PRIVATE_DISPLAY_NAME', 'PRIMARY_REP_PUBLIC_DISPLAY_NAME', 'PRIMARY_REP_USER_NAME',
  'CUSTOMER_COMPUTER-NAME', 'EXTERNAL_KEY',
]);

/**
 * Words of lines people type in a chat or a note (greetings, thanks, sign-offs). An anchor line
 * made only of them, or only of punctuation (`---`, `===`), can be a line of the value, whatever
 * its length.
 */
const TYPED_WORDS = new Set([
  'thanks', 'thank', 'you', 'very', 'much', 'many', 'thx', 'ty', 'regards', 'best', 'kind', 'warm', 'cheers', 'bye',
  'goodbye', 'hello', 'hi', 'ok', 'okay', 'yes', 'no', 'done', 'end', 'the', 'sincerely', 'welcome', 'great', 'good',
  'sure', 'please', 'again', 'all', 'for', 'your', 'help', 'everyone', 'team', 'br',
]);
const MAX_TYPED_WORDS = 5;

/** Why a macro's value can be empty, for the subject-spaces warning. */
const WHY_EMPTY: Record<string, string> = {
  EXTERNAL_KEY: 'sessions often have no external key',
  'CUSTOMER_COMPUTER-NAME': 'chat-only and mobile sessions have none',
  END_TIME: 'abnormally closed sessions have none',
};

type Warn = (code: WarningCode, message: string, slot: Slot | undefined, part: 'subject' | 'body', hint: string) => void;

/** Warnings about one template's own shape. */
export function lintTemplate(template: Template): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  const positionOf = (slot: Slot | undefined, part: 'subject' | 'body'): { line: number; column: number } => {
    if (!slot) return { line: 1, column: 1 };
    const nth = countBefore(part === 'subject' ? template.subjectPattern : template.bodyPattern, slot);
    const found = template.macroPositions.filter((p) => p.part === part && p.name === slot.macro.name)[nth];
    return found ? { line: found.line, column: found.column } : { line: 1, column: 1 };
  };
  const warn: Warn = (code, message, slot, part, hint) => {
    warnings.push({ code, severity: 'warning', message, ...positionOf(slot, part), hint });
  };
  if (template.subjectPattern) {
    lintPattern(template.subjectPattern, 'subject', warn);
    lintSubjectSpaces(template.subjectPattern, warn);
  }
  lintPattern(template.bodyPattern, 'body', warn);
  if (template.bodyPattern.literalLength === 0 && (template.subjectPattern?.literalLength ?? 0) === 0) {
    warn('no-literal-text', 'the template has no literal text: it matches every mail', undefined, 'body',
      'add the fixed text of the mail (headings, labels) and a distinctive Subject');
  }
  if (template.format === 'html') lintHtmlTags(template, warnings);
  return warnings;
}

function countBefore(pattern: Pattern | undefined, slot: Slot): number {
  if (!pattern) return 0;
  return pattern.slots.filter((s) => s.macro.name === slot.macro.name && s.ordinal < slot.ordinal).length;
}

function lintPattern(pattern: Pattern, part: 'subject' | 'body', warn: Warn): void {
  const { literals, slots } = pattern;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    const after = literals[i + 1]!;
    const isLast = i === slots.length - 1;
    const name = `%${slot.macro.name}%`;
    if (after === '' && !isLast) {
      warn('adjacent-macros', `${name} and %${slots[i + 1]!.macro.name}% have no text between them, so where one value ends is a guess`,
        slot, part, `put a separator that cannot occur in ${name}'s values between them, or a line end`);
      continue;
    }
    if (slot.rule === 'multi') {
      // Nothing can follow the last literal of the body: it is found at the very end, whatever
      // its length, so it bounds the value exactly.
      if (isLast) continue;
      const solid = after.replace(/\s+/g, '');
      const startsLine = after.startsWith('\n');
      const anchorLine = after.split('\n').map((l) => l.trim()).find((l) => l !== '');
      if (startsLine && slot.macro.kind === 'text' && anchorLine !== undefined && isTypedLine(anchorLine)) {
        warn('common-text-after-multiline', `the line after ${name}, ${JSON.stringify(anchorLine)}, is what people type ` +
          `in a chat or a note, so a line of the value that reads the same makes the mail ambiguous`, slot, part,
          `follow ${name} with a line nobody types, e.g. "-- end of ${slot.macro.column.replace(/_/g, ' ')} --"`);
        continue;
      }
      if (solid.length < WEAK_ANCHOR_CHARS || !startsLine) {
        const why = !startsLine
          ? 'does not start on a line of its own, so any line of the value that contains it can end the value'
          : `is short (${solid.length} non-blank characters) and can occur inside the value`;
        warn('weak-anchor-after-multiline', `the text after ${name} ${why}`, slot, part,
          `follow ${name} with a unique line, e.g. "-- end of ${slot.macro.column.replace(/_/g, ' ')} --"`);
      }
      continue;
    }
    // A ":" that ends the line (or the text) is safe: a one-line value cannot run past it.
    const afterColon = after.replace(/^[ \t]*:[ \t]*/, '');
    if (NAME_LIKE.has(slot.macro.name) && afterColon !== after && (afterColon === '' ? !isLast : !afterColon.startsWith('\n'))) {
      warn('colon-after-name', `":" after ${name} also occurs inside its values (a name such as "Acme: IT Dept"), ` +
        'so where the value ends is ambiguous', slot, part,
        `end ${name} with a line end, or follow it with a separator names do not contain, e.g. " | " or " / "`);
      continue;
    }
    const contained = OFTEN_CONTAINED[slot.macro.name];
    if (!contained || after.startsWith('\n') || (isLast && after === '')) continue;
    // Spaces alone separate nothing from a value that contains spaces; otherwise what matters is
    // the first visible character (" (" after a name, "&" after a URL).
    const head = after.replace(/^[ \t]+/, '');
    const onlySpaces = head === '' || head.startsWith('\n');
    const risky = onlySpaces ? after !== head && contained.includes(' ') : contained.replace(' ', '').includes(head[0]!);
    if (risky) {
      warn('literal-often-in-value', `${JSON.stringify(after.split('\n')[0])} after ${name} often occurs inside its values ` +
        `(${describe(slot.macro)}), which makes the split ambiguous`, slot, part,
        `end ${name} with a line end or with a separator its values do not contain, e.g. " | "`);
    }
  }
}

/** True for a line people type in chats and notes: only common words, or only punctuation. */
function isTypedLine(line: string): boolean {
  if (!/[\p{L}\p{N}]/u.test(line)) return true;
  const words = line.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '');
  return words.length <= MAX_TYPED_WORDS && words.every((w) => TYPED_WORDS.has(w));
}

/**
 * A subject macro that can be empty between two spaces leaves a double space, which relays
 * collapse: the mail then no longer matches, or reads as a different, wrong split. At the
 * subject's edge the same happens when only a space separates it from another macro
 * (`%EXTERNAL_KEY% %CUSTOMER_NAME%`): the outer space is trimmed and the neighbour's value
 * splits in two. (A space before fixed text at the edge is tolerated by the matcher.)
 */
function lintSubjectSpaces(pattern: Pattern, warn: Warn): void {
  const { literals, slots } = pattern;
  slots.forEach((slot, i) => {
    if (slot.macro.kind !== 'line' && slot.macro.kind !== 'time') return;
    const before = literals[i]!;
    const after = literals[i + 1]!;
    const spaceBefore = /\s$/.test(before);
    const spaceAfter = /^\s/.test(after);
    const onlySpace = (text: string): boolean => text !== '' && text.trim() === '';
    const atStart = i === 0 && before === '' && onlySpace(after) && i + 1 < slots.length;
    const atEnd = i === slots.length - 1 && after === '' && onlySpace(before) && i > 0;
    if (!(spaceBefore && spaceAfter) && !atStart && !atEnd) return;
    const name = `%${slot.macro.name}%`;
    const why = WHY_EMPTY[slot.macro.name];
    const where = atStart ? 'at the start of the subject, before a space and another macro'
      : atEnd ? 'at the end of the subject, after another macro and a space'
        : `between ${JSON.stringify(before.slice(-12))} and ${JSON.stringify(after.slice(0, 12))}`;
    warn('empty-value-between-spaces', `${name} is ${where}; when it is empty${why ? ` (${why})` : ''} the subject has two spaces in a ` +
      'row or an outer one, which relays collapse or trim, so the mail no longer matches or reads as a wrong split',
      slot, 'subject', `put visible characters around it, e.g. "[${name}]" or "(${name})", or move it to the body`);
  });
}

function describe(macro: MacroInfo): string {
  if (macro.name.includes('DISPLAY_NAME') || macro.name === 'CUSTOMER_NAME') return 'names contain spaces, dots, parentheses';
  if (macro.kind === 'time') return 'times contain spaces, colons, slashes';
  return 'such values contain punctuation';
}

function lintHtmlTags(template: Template, warnings: Diagnostic[]): void {
  const body = template.body;
  for (const token of scanMacroTokens(body)) {
    const open = body.lastIndexOf('<', token.start);
    const close = body.lastIndexOf('>', token.start);
    if (open <= close) continue;
    const inHref = /\bhref\s*=\s*["']?$/i.test(body.slice(open, token.start));
    if (inHref) continue;
    const position = template.macroPositions.find((p) => p.part === 'body' && p.name === token.word);
    warnings.push({
      code: 'macro-in-html-tag', severity: 'warning',
      message: `%${token.word}% is inside an HTML tag attribute; only link targets (href) are kept, so it will not be extracted`,
      line: position?.line ?? 1, column: position?.column ?? 1,
      hint: 'put the macro in the text of the mail, or in an <a href="..."> target',
    });
  }
}

/** Sample values used to render a template when testing whether another one matches it. */
function sampleValue(macro: MacroInfo): string {
  if (macro.kind === 'lsid') return '0123456789abcdef0123456789abcdef';
  if (macro.kind === 'integer') return '42';
  return 'x';
}

function render(pattern: Pattern): string {
  let out = pattern.literals[0]!;
  pattern.slots.forEach((slot, i) => {
    out += sampleValue(slot.macro) + pattern.literals[i + 1]!;
  });
  return out;
}

function matchesRendering(pattern: Pattern | undefined, other: Pattern | undefined): boolean {
  // A template without a subject accepts any subject, so the subjects never keep them apart.
  if (!pattern || !other) return true;
  const constraints: Constraint[] = pattern.slots.map((s) => ({ rule: s.rule, macroName: s.macro.name, unrendered: `%${s.macro.name}%` }));
  return fits(indexText(render(other)), pattern, constraints);
}

/** Cross-template warnings: pairs of templates that could match the same mail. */
export function lintTemplates(templates: readonly Template[]): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  for (let a = 0; a < templates.length; a++) {
    for (let b = a + 1; b < templates.length; b++) {
      const ta = templates[a]!;
      const tb = templates[b]!;
      if (ta.recipient && tb.recipient && ta.recipient.toLowerCase() !== tb.recipient.toLowerCase()) continue;
      if (ta.format !== tb.format) continue;
      const aCoversB = matchesRendering(ta.subjectPattern, tb.subjectPattern) && matchesRendering(ta.bodyPattern, tb.bodyPattern);
      const bCoversA = matchesRendering(tb.subjectPattern, ta.subjectPattern) && matchesRendering(tb.bodyPattern, ta.bodyPattern);
      if (!aCoversB && !bCoversA) continue;
      const specificity = (t: Template): number => (t.subjectPattern?.literalLength ?? 0) * 1e6 + t.bodyPattern.literalLength;
      const preferred = specificity(ta) >= specificity(tb) ? ta : tb;
      warnings.push({
        code: 'overlapping-templates', severity: 'warning',
        message: `templates "${ta.name}" and "${tb.name}" can match the same mail; the matcher prefers "${preferred.name}" ` +
          '(more literal text), and reports a tie as ambiguous',
        line: 1, column: 1, ...(tb.fileName ? { file: tb.fileName } : {}),
        hint: 'make their subjects differ (e.g. a distinct word per template), or set different Recipient headers',
      });
    }
  }
  return warnings;
}
