// Query parameters of the read API: read once, checked strictly, every problem reported together
// as one 422 that names each parameter (an unknown parameter is a mistake, not something to
// ignore: a misspelt filter would otherwise widen the answer silently). Cursors are opaque to
// clients: base64url JSON of the last position and the order it belongs to.
import { invalidQuery, type FieldError } from '../core/errors.js';
import { FEEDBACK_SLUGS, type FeedbackSlug } from '../core/model.js';
import type { Order } from '../core/queries.js';
import { parseTimestamp } from '../core/time.js';
import type { Cursor } from '../storage/port.js';

const SLUGS: ReadonlySet<string> = new Set(FEEDBACK_SLUGS);

export function encodeCursor(c: Cursor, order: Order): string {
  return Buffer.from(JSON.stringify([c.time, c.id, order])).toString('base64url');
}

export class QueryParameters {
  readonly errors: FieldError[] = [];
  private readonly values: Record<string, string[]> = {};

  constructor(query: unknown, allowed: readonly string[]) {
    const raw = (query ?? {}) as Record<string, unknown>;
    for (const [name, value] of Object.entries(raw)) {
      if (!allowed.includes(name)) {
        this.fail(name, `is not a parameter of this endpoint (known: ${allowed.join(', ')})`);
        continue;
      }
      this.values[name] = (Array.isArray(value) ? value : [value]).map(String);
    }
  }

  fail(name: string, detail: string): void {
    this.errors.push({ parameter: name, pointer: `/query/${name}`, detail });
  }

  /** Throws the 422 if anything was wrong. */
  check(): void {
    if (this.errors.length > 0) throw invalidQuery(this.errors);
  }

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  /** A parameter given at most once. */
  string(name: string): string | null {
    const v = this.values[name];
    if (v === undefined) return null;
    if (v.length > 1) {
      this.fail(name, 'may be given only once');
      return null;
    }
    if (v[0] === '') {
      this.fail(name, 'must not be empty');
      return null;
    }
    return v[0]!;
  }

  /** A repeatable parameter. */
  strings(name: string): string[] {
    const v = this.values[name] ?? [];
    if (v.some((s) => s === '')) this.fail(name, 'must not be empty');
    return v.filter((s) => s !== '');
  }

  time(name: string): number | null {
    const v = this.string(name);
    if (v === null) return null;
    const t = parseTimestamp(v);
    if (t === null) this.fail(name, 'must be an ISO 8601 date or date-time, e.g. 2024-05-01 or 2024-05-01T12:00:00Z');
    return t;
  }

  number(name: string, min: number, max: number, integer = false): number | null {
    const v = this.string(name);
    if (v === null) return null;
    const n = Number(v);
    if (!/^-?\d+(\.\d+)?$/.test(v.trim()) || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      this.fail(name, `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
      return null;
    }
    return n;
  }

  boolean(name: string): boolean | null {
    const v = this.string(name);
    if (v === null) return null;
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    this.fail(name, 'must be true or false');
    return null;
  }

  oneOf<T extends string>(name: string, options: readonly T[]): T | null {
    const v = this.string(name);
    if (v === null) return null;
    if (!(options as readonly string[]).includes(v)) {
      this.fail(name, `must be one of ${options.join(', ')}`);
      return null;
    }
    return v as T;
  }

  slugs(name: string): FeedbackSlug[] {
    const out: FeedbackSlug[] = [];
    for (const s of this.strings(name)) {
      if (SLUGS.has(s)) out.push(s as FeedbackSlug);
      else this.fail(name, `"${s}" is not a feedback slug (${FEEDBACK_SLUGS.join(', ')})`);
    }
    return out;
  }

  /** `tag=KEY:VALUE`, repeatable; the value may itself contain colons. */
  tags(name: string): [string, string][] {
    const out: [string, string][] = [];
    for (const t of this.strings(name)) {
      const colon = t.indexOf(':');
      if (colon <= 0) this.fail(name, `"${t}" must have the form KEY:VALUE`);
      else out.push([t.slice(0, colon), t.slice(colon + 1)]);
    }
    return out;
  }

  /** `from`/`to` as a half-open range; `to` defaults to now and `from` to `defaultSpanMs` before it when asked. */
  range(defaultSpanMs: number | null, now: number): { from: number | null; to: number | null } {
    let from = this.time('from');
    let to = this.time('to');
    if (defaultSpanMs !== null) {
      to ??= now;
      from ??= to - defaultSpanMs;
    }
    if (from !== null && to !== null && from >= to) this.fail('from', 'must be before to');
    return { from, to };
  }

  limit(fallback = 50, max = 1000): number {
    return this.number('limit', 1, max, true) ?? fallback;
  }

  order(): Order {
    return this.oneOf('order', ['newest', 'oldest'] as const) ?? 'newest';
  }

  cursor(order: Order): Cursor | null {
    const v = this.string('cursor');
    if (v === null) return null;
    try {
      const decoded = JSON.parse(Buffer.from(v, 'base64url').toString('utf8')) as unknown;
      if (Array.isArray(decoded) && decoded.length === 3 && Number.isFinite(decoded[0]) && typeof decoded[1] === 'string' && (decoded[2] === 'newest' || decoded[2] === 'oldest')) {
        if (decoded[2] !== order) this.fail('cursor', `was made for order=${decoded[2]}; keep the order of the page it came from`);
        return { time: decoded[0] as number, id: decoded[1] };
      }
    } catch { /* reported below */ }
    this.fail('cursor', 'is not a cursor this API returned (pass next_cursor back unchanged)');
    return null;
  }
}
