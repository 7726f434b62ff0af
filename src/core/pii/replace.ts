// Replaces detected spans with typed placeholders ("[EMAIL]") and counts them. Kept apart from the
// detector so that the thread that only assembles results does not load the lexicons.
import type { Anonymized, PiiCounts, Span } from './types.js';

/** `text` with each span (non-overlapping, in order) replaced by its typed placeholder, and the counts per type. */
export function replaceSpans(text: string, spans: readonly Span[]): Anonymized {
  const counts: PiiCounts = {};
  if (spans.length === 0) return { text, counts };
  let result = '';
  let cursor = 0;
  for (const span of spans) {
    result += text.slice(cursor, span.start) + `[${span.type}]`;
    cursor = span.end;
    counts[span.type] = (counts[span.type] ?? 0) + 1;
  }
  result += text.slice(cursor);
  return { text: result, counts };
}
