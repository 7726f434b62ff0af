// The PII step of the write path: texts in, anonymized texts and counts per PII type out.
// Content fields of an interaction are collected, anonymized in one call, and put back in place.
import type { PiiCounts } from '../core/model.js';

export interface AnonymizedText { text: string; counts: PiiCounts }

export interface Anonymizer {
  anonymize(texts: string[]): Promise<AnonymizedText[]>;
  close(): Promise<void>;
}

/** Field names whose string values are labels, not user content. */
const LABEL_FIELDS = new Set(['role', 'model', 'kind', 'source']);

function collect(value: unknown, key: string, out: string[]): void {
  if (typeof value === 'string') {
    if (!LABEL_FIELDS.has(key) && value.length > 0) out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, key, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collect(v, k, out);
  }
}

function replace(value: unknown, key: string, next: () => string): unknown {
  if (typeof value === 'string') return !LABEL_FIELDS.has(key) && value.length > 0 ? next() : value;
  if (Array.isArray(value)) return value.map((v) => replace(v, key, next));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v, k, next)]));
  }
  return value;
}

function addCounts(into: PiiCounts, counts: PiiCounts): PiiCounts {
  for (const [type, n] of Object.entries(counts)) if (n) into[type] = (into[type] ?? 0) + n;
  return into;
}

/** Anonymizes every content string inside `fields` (labels such as roles and model names stay). */
export async function anonymizeFields<T extends object>(anonymizer: Anonymizer, fields: T): Promise<{ fields: T; counts: PiiCounts }> {
  const texts: string[] = [];
  collect(fields, '', texts);
  if (texts.length === 0) return { fields, counts: {} };
  const results = await anonymizer.anonymize(texts);
  const counts: PiiCounts = {};
  let k = 0;
  const next = () => {
    const r = results[k++]!;
    addCounts(counts, r.counts);
    return r.text;
  };
  return { fields: replace(fields, '', next) as T, counts };
}
