// Text that no backend can store as sent: U+0000 (PostgreSQL's text and jsonb refuse it) and
// unpaired UTF-16 surrogates (not characters; not encodable as UTF-8). JSON bodies are checked
// for both by the body scan (core/wire/json-scan.ts) with pointers into the body; this check runs
// on the commands themselves, whatever decoder made them (OTLP protobuf, JSON inside attribute
// strings, ...), so that such text is refused with a 4xx naming the field instead of failing in
// the database with a 5xx on one backend and being stored on the other. Iterative: commands are
// bounded by the body limits, but their nesting is not everywhere (JSON parsed out of strings).
import { pointerSegment, type FieldError } from './errors.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function problemOf(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain U+0000 (NUL)';
  if (LONE_SURROGATE.test(text)) return 'contains an unpaired UTF-16 surrogate';
  return null;
}

/** The fields of `value` (a command) whose text cannot be stored, as pointers into it; at most `max` listed. */
export function unstorableText(value: unknown, max = 20): FieldError[] {
  const errors: FieldError[] = [];
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0 && errors.length < max) {
    const [v, pointer] = stack.pop()!;
    if (typeof v === 'string') {
      const problem = problemOf(v);
      if (problem) errors.push({ pointer: pointer || '/', detail: problem });
    } else if (Array.isArray(v)) {
      for (let k = v.length - 1; k >= 0; k--) stack.push([v[k], `${pointer}/${k}`]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const problem = problemOf(k);
        if (problem) errors.push({ pointer: `${pointer}/${pointerSegment(k)}`, detail: `its name ${problem}` });
        stack.push([x, `${pointer}/${pointerSegment(k)}`]);
      }
    }
  }
  return errors;
}
