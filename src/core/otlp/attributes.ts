// Reading span attributes: typed look-ups over a chain of attribute maps (a span, then its
// ancestors, then its resource: the first that has the key wins), JSON-valued attributes
// (instrumentations write structured values as JSON text), and the flattened indexed form
// (`llm.input_messages.0.message.role`) turned back into a list of objects.
import type { AttributeValue, Attributes } from './spans.js';

export type Chain = readonly Attributes[];

/** The first value of `keys` (in that order of precedence) found along the chain. */
export function lookup(chain: Chain, keys: readonly string[]): AttributeValue | undefined {
  for (const key of keys) {
    for (const attrs of chain) {
      const v = attrs.get(key);
      if (v !== undefined && v !== null && v !== '') return v;
    }
  }
  return undefined;
}

export function stringOf(v: AttributeValue | undefined): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

export function lookupString(chain: Chain, keys: readonly string[]): string | null {
  return stringOf(lookup(chain, keys));
}

export function lookupNumber(chain: Chain, keys: readonly string[]): number | null {
  for (const key of keys) {
    for (const attrs of chain) {
      const v = attrs.get(key);
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      if (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v)) return Number(v);
    }
  }
  return null;
}

/** Booleans, also written as the strings "true"/"false" (metadata values often are strings). */
export function booleanOf(v: AttributeValue | undefined): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true' || t === '1') return true;
    if (t === 'false' || t === '0') return false;
  }
  if (typeof v === 'number') return v !== 0;
  return null;
}

/** A structured value, given as one (kvlist, array) or as JSON text; undefined when it is neither. */
export function structured(v: AttributeValue | undefined): AttributeValue | undefined {
  if (typeof v === 'string') {
    const t = v.trimStart();
    if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
    try {
      return JSON.parse(v) as AttributeValue;
    } catch {
      return undefined;
    }
  }
  return v === null ? undefined : v;
}

/**
 * Flattened indexed attributes back into a list: with prefix `llm.input_messages.`, the keys
 * `llm.input_messages.0.message.role` and `...0.message.content` become
 * `[{ message: { role, content } }]`. Missing indexes are skipped; order follows the index.
 */
export function indexed(attrs: Attributes, prefix: string): { [key: string]: AttributeValue }[] {
  const items = new Map<number, { [key: string]: AttributeValue }>();
  for (const [key, value] of attrs) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const dot = rest.indexOf('.');
    const index = Number(dot < 0 ? rest : rest.slice(0, dot));
    if (!Number.isInteger(index) || index < 0) continue;
    let item = items.get(index);
    if (!item) items.set(index, (item = Object.create(null) as { [key: string]: AttributeValue }));
    if (dot < 0) continue;
    setPath(item, rest.slice(dot + 1).split('.'), value);
  }
  return [...items.entries()].sort((a, b) => a[0] - b[0]).map(([, item]) => item);
}

/** Sets a dotted path; numeric segments become array slots (`contents.0.message_content.text`). */
function setPath(target: { [key: string]: AttributeValue }, path: string[], value: AttributeValue): void {
  let node: { [key: string]: AttributeValue } = target;
  for (let k = 0; k < path.length - 1; k++) {
    const segment = path[k]!;
    let next = node[segment];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      next = Object.create(null) as { [key: string]: AttributeValue };
      node[segment] = next;
    }
    node = next as { [key: string]: AttributeValue };
  }
  node[path[path.length - 1]!] = value;
}

/** Values of an object-like node in key order when keys are indexes (`{0: a, 1: b}` -> [a, b]). */
export function asList(v: AttributeValue | undefined): AttributeValue[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'object' && v !== null) {
    return Object.keys(v).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b)).map((k) => v[k]!);
  }
  return [];
}

export const isRecord = (v: AttributeValue | undefined): v is { [key: string]: AttributeValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
