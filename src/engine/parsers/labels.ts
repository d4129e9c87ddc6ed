/**
 * Best-effort reading of `%SESSION_SUMMARY%` and `%SYSTEM_INFORMATION%` as `Label: value` lines
 * (or `Label<TAB>value`). A line that is not a label continues the value above; text before the
 * first label makes the whole value unrecognised. Values are kept verbatim, so an IPv6 address
 * with a port (`[2001:db8::1f]:50211`) survives: only the first `: ` separates.
 */

/** One labelled value. */
export interface LabelValue {
  readonly label: string;
  readonly value: string;
}

/** A value read as label/value pairs. */
export interface LabelledText {
  readonly text: string;
  readonly recognised: boolean;
  readonly pairs: readonly LabelValue[];
}

// A label starts with a letter and has no colon; bounded so long lines cost nothing extra.
const LABEL = /^([A-Za-z][^:\t]{0,79}?)(?::[ \t]+|:$|\t+)(.*)$/;

/** Reads `Label: value` lines (see the module comment). */
export function parseLabels(text: string): LabelledText {
  const pairs: { label: string; value: string }[] = [];
  for (const line of text.split('\n')) {
    const m = LABEL.exec(line);
    if (m) pairs.push({ label: m[1]!.trim(), value: m[2]!.trim() });
    else if (pairs.length > 0) {
      const last = pairs[pairs.length - 1]!;
      if (line.trim() !== '') last.value = last.value === '' ? line.trim() : `${last.value}\n${line.trim()}`;
    } else if (line.trim() !== '') return { text, recognised: false, pairs: [] };
  }
  return { text, recognised: pairs.length > 0, pairs };
}
