// The PII step of the write path: texts in, anonymized texts and counts per PII type out.
// The stored content of a record is walked, every string in it is anonymized in one call, and the
// results are put back in place.
//
// Every string passes the detector, whatever key it sits under: content, labels (model names,
// retrieval sources, tag keys and values, feature flags) and strings nested anywhere in traces.
// The only strings left as they are: values of validated enumerations (a message `role`, a trace
// `kind`) when they hold one of their allowed values, and the field names of the record's own
// shape. The walk uses an explicit stack, so deep nesting cannot overflow the call stack.
import type { PiiCounts } from '../core/model.js';

export interface AnonymizedText { text: string; counts: PiiCounts }

export interface AnonymizeOptions {
  /** The project whose PII policy applies (FEEDLOOP_PII_CONFIG); the default policy otherwise. */
  projectId?: string;
  /** Who the work is for (an API key id), for the fair share and budget of PII work; default: the project. */
  client?: string;
}

export interface Anonymizer {
  anonymize(texts: string[], options?: AnonymizeOptions): Promise<AnonymizedText[]>;
  /** Anonymize calls admitted and not done yet (for the queue-depth metric), when the implementation knows. */
  queueDepth?(): number;
  close(): Promise<void>;
}

/** Enumerations validated by the schemas: these values are labels, not user content. */
const ENUM_VALUES: Readonly<Record<string, ReadonlySet<string>>> = {
  role: new Set(['system', 'user', 'assistant', 'tool', 'developer', 'function']),
  kind: new Set(['llm', 'retrieval']),
};
/** Fields whose value is a map chosen by the client: its keys are user data too. */
const USER_MAPS = new Set(['tags']);

/** Marks where an anonymized string goes back. */
class TextSlot {
  constructor(readonly index: number) {}
}

/** An object being copied: its entries, keys possibly to be replaced. */
class ObjectDraft {
  readonly entries: [string | TextSlot, unknown][] = [];
}

type Holder = { [key: string]: unknown } | unknown[];

/**
 * A copy of `value` in which every string to anonymize is a TextSlot pointing into `texts`
 * (object keys of user maps too). Iterative, so nesting depth is bounded by memory only.
 */
function collect(value: unknown, texts: string[]): unknown {
  const root: unknown[] = [undefined];
  const stack: [unknown, Holder, string | number, string, boolean][] = [[value, root, 0, '', false]];
  const slotFor = (s: string): TextSlot => {
    texts.push(s);
    return new TextSlot(texts.length - 1);
  };
  while (stack.length > 0) {
    const [src, holder, at, key, userMap] = stack.pop()!;
    let copy: unknown;
    if (typeof src === 'string') {
      copy = src.length === 0 || ENUM_VALUES[key]?.has(src) === true ? src : slotFor(src);
    } else if (Array.isArray(src)) {
      const items: unknown[] = new Array<unknown>(src.length);
      for (let i = src.length - 1; i >= 0; i--) stack.push([src[i], items, i, key, false]);
      copy = items;
    } else if (src !== null && typeof src === 'object') {
      const draft = new ObjectDraft();
      for (const [k, v] of Object.entries(src as Record<string, unknown>)) {
        const entry: [string | TextSlot, unknown] = [userMap && k.length > 0 ? slotFor(k) : k, undefined];
        draft.entries.push(entry);
        stack.push([v, entry as unknown as Holder, 1, k, USER_MAPS.has(k)]);
      }
      copy = draft;
    } else {
      copy = src;
    }
    (holder as Record<string | number, unknown>)[at] = copy;
  }
  return root[0];
}

/** The copy with TextSlots replaced by `results` and drafts turned into objects. Iterative. */
function fill(draftValue: unknown, results: readonly string[]): unknown {
  const root: unknown[] = [undefined];
  const stack: [unknown, Holder, string | number][] = [[draftValue, root, 0]];
  while (stack.length > 0) {
    const [src, holder, at] = stack.pop()!;
    let out: unknown = src;
    if (src instanceof TextSlot) {
      out = results[src.index];
    } else if (Array.isArray(src)) {
      const items: unknown[] = new Array<unknown>(src.length);
      for (let i = 0; i < src.length; i++) stack.push([src[i], items, i]);
      out = items;
    } else if (src instanceof ObjectDraft) {
      const object: Record<string, unknown> = {};
      for (const [k, v] of src.entries) {
        const name = k instanceof TextSlot ? (results[k.index] ?? '') : k;
        stack.push([v, object, name]);
      }
      out = object;
    }
    (holder as Record<string | number, unknown>)[at] = out;
  }
  return root[0];
}

function addCounts(into: PiiCounts, counts: PiiCounts): PiiCounts {
  for (const [type, n] of Object.entries(counts)) if (n) into[type] = (into[type] ?? 0) + n;
  return into;
}

/** Anonymizes every string inside `fields` (see the header); `options` names the project. */
export async function anonymizeFields<T extends object>(
  anonymizer: Anonymizer,
  fields: T,
  options: AnonymizeOptions = {},
): Promise<{ fields: T; counts: PiiCounts }> {
  const texts: string[] = [];
  const draft = collect(fields, texts);
  if (texts.length === 0) return { fields, counts: {} };
  const results = await anonymizer.anonymize(texts, options);
  const counts: PiiCounts = {};
  for (const r of results) addCounts(counts, r.counts);
  return { fields: fill(draft, results.map((r) => r.text)) as T, counts };
}
