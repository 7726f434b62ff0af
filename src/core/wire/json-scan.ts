// One pass over a JSON text before JSON.parse sees it: checks the grammar and everything that a
// parsed value can no longer tell or that would hurt the code after it. Iterative (an explicit
// stack), so no nesting depth can overflow the call stack here, and the depth limit it enforces
// keeps every recursive walker after it (validation, normalisation, PII, JSON.stringify) safe.
//
// Reported, each with the JSON pointer of the value (RFC 6901) or the byte offset of the text:
// - syntax errors (what JSON.parse would reject), by byte offset, without echoing the input;
// - nesting deeper than maxDepth, strings and keys longer than their limits, arrays and objects
//   with more than maxItems entries;
// - duplicate keys (JSON.parse would silently keep the last one);
// - `__proto__` keys and `constructor.prototype` (prototype poisoning of code that merges objects);
// - U+0000 (no PostgreSQL text column can store it) and unpaired UTF-16 surrogates (\ud800 alone:
//   not a character, and not valid in UTF-8 storage or output);
// - numbers too large for a double (JSON.parse reads 1e999 as Infinity, which JSON then writes as null).
import type { FieldError } from '../errors.js';
import { pointerSegment } from '../errors.js';

export interface JsonLimits {
  /** Arrays and objects inside one another, the top-level value counting as 1. */
  maxDepth: number;
  /** UTF-16 code units of one string value, after escapes are decoded. */
  maxStringLength: number;
  /** UTF-16 code units of one object key. */
  maxKeyLength: number;
  /** Elements of one array, members of one object. */
  maxItems: number;
}

export type JsonScan =
  | { ok: true }
  /** Not JSON at all (400): `offset` is the byte offset of the first wrong byte. */
  | { ok: false; kind: 'syntax'; offset: number; detail: string }
  /** JSON, but with values this server does not accept (422); `total` counts them all, `errors` lists the first ones. */
  | { ok: false; kind: 'content'; errors: FieldError[]; total: number };

/** Content errors listed at most; the rest are counted. */
const MAX_LISTED = 20;

interface Frame {
  array: boolean;
  /** Index of the current element, or the key of the current member. */
  at: number | string;
  count: number;
  keys: Set<string> | null;
}

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a;
const OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d;
/** The characters that end a run of plain string content. */
const STRING_SPECIAL = /["\\\u0000-\u001f]/g;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

class SyntaxProblem {
  constructor(readonly index: number, readonly detail: string) {}
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Bytes that the UTF-8 encoding of text[0, end) takes (the text came from valid UTF-8). */
function utf8Offset(text: string, end: number): number {
  let bytes = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) { bytes += 4; i++; }
    else bytes += 3;
  }
  return bytes;
}

/**
 * Scans `text` (a whole request body, already decoded from UTF-8) against `limits`.
 * `byteBase` is added to reported offsets (a stripped byte-order mark).
 */
export function scanJson(text: string, limits: JsonLimits, byteBase = 0): JsonScan {
  const stack: Frame[] = [];
  const errors: FieldError[] = [];
  let total = 0;
  /** The pointer of the current value, or with `container`, of the array or object holding it. */
  const pointer = (container: boolean): string => {
    let p = '';
    const end = container ? stack.length - 1 : stack.length;
    for (let k = 0; k < end; k++) p += `/${pointerSegment(stack[k]!.at)}`;
    return p;
  };
  const reject = (detail: string, container = false) => {
    total++;
    if (errors.length < MAX_LISTED) errors.push({ pointer: pointer(container), detail });
  };
  const n = text.length;
  let i = 0;
  const skip = () => { while (i < n && isWhitespace(text.charCodeAt(i))) i++; };
  const expected = (what: string): never => {
    throw new SyntaxProblem(i, i >= n ? `the body ends where ${what} was expected` : `expected ${what}`);
  };

  /** Reads the string starting at text[i] === '"'; returns its decoded length and facts about it. */
  const readString = (): { start: number; end: number; length: number; escaped: boolean; nul: boolean; lone: boolean } => {
    const start = i + 1;
    let length = 0;
    let escaped = false, nul = false, lone = false;
    i = start;
    /** A high surrogate written as \uXXXX, waiting for its low half. */
    let pendingHigh = false;
    for (;;) {
      STRING_SPECIAL.lastIndex = i;
      const m = STRING_SPECIAL.exec(text);
      if (m === null) throw new SyntaxProblem(n, 'the body ends inside a string');
      const at = m.index;
      if (at > i) {
        if (pendingHigh) lone = true;
        pendingHigh = false;
        length += at - i;
      }
      const c = text.charCodeAt(at);
      if (c === QUOTE) {
        if (pendingHigh) lone = true;
        i = at + 1;
        return { start, end: at, length, escaped, nul, lone };
      }
      if (c !== BACKSLASH) throw new SyntaxProblem(at, 'a control character (U+0000 to U+001F) must be escaped inside a string');
      escaped = true;
      const e = text.charCodeAt(at + 1);
      length++;
      if (e === 0x75 /* u */) {
        const hex = text.slice(at + 2, at + 6);
        if (!HEX4.test(hex)) throw new SyntaxProblem(at, '\\u must be followed by four hexadecimal digits');
        const unit = parseInt(hex, 16);
        if (unit === 0) nul = true;
        if (unit >= 0xdc00 && unit <= 0xdfff) {
          if (!pendingHigh) lone = true;
          pendingHigh = false;
        } else {
          if (pendingHigh) lone = true;
          pendingHigh = unit >= 0xd800 && unit <= 0xdbff;
        }
        i = at + 6;
      } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        if (pendingHigh) lone = true;
        pendingHigh = false;
        i = at + 2;
      } else {
        throw new SyntaxProblem(at, 'invalid escape in a string (allowed: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
      }
    }
  };

  const checkStringValue = () => {
    const s = readString();
    if (s.length > limits.maxStringLength) reject(`must be at most ${limits.maxStringLength} characters (has ${s.length})`);
    if (s.nul) reject('must not contain U+0000 (NUL)');
    if (s.lone) reject('contains an unpaired UTF-16 surrogate (\\uD800-\\uDFFF without its other half)');
  };

  /** Reads a member key at text[i] and makes it the top frame's current member. */
  const readKey = (frame: Frame) => {
    if (text.charCodeAt(i) !== QUOTE) expected('a member name in double quotes');
    const s = readString();
    const key = s.escaped ? (JSON.parse(text.slice(s.start - 1, s.end + 1)) as string) : text.slice(s.start, s.end);
    // The pointer names the key, shortened when it is itself too long to repeat.
    const shown = key.length > 64 ? `${key.slice(0, 64)}…` : key;
    frame.at = shown;
    if (s.length > limits.maxKeyLength) reject(`member names must be at most ${limits.maxKeyLength} characters (this one has ${s.length})`);
    if (s.nul) reject('member names must not contain U+0000 (NUL)');
    if (s.lone) reject('this member name contains an unpaired UTF-16 surrogate');
    if (key === '__proto__') reject('the member name __proto__ is not accepted');
    if (key === 'prototype' && stack.length >= 2 && stack[stack.length - 2]!.at === 'constructor') reject('constructor.prototype is not accepted');
    frame.count++;
    if (frame.count === limits.maxItems + 1) reject(`must have at most ${limits.maxItems} members`, true);
    frame.keys ??= new Set();
    if (frame.keys.has(key)) reject('this member name appears twice in the object; send it once');
    else frame.keys.add(key);
    skip();
    if (text.charCodeAt(i) !== COLON) expected("':' after a member name");
    i++;
  };

  try {
    skip();
    if (i >= n) throw new SyntaxProblem(0, 'the body is empty; send a JSON object');
    for (;;) {
      // A value starts at text[i] (after whitespace).
      skip();
      const c = text.charCodeAt(i);
      let container = false;
      if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (stack.length >= limits.maxDepth) {
          reject(`is nested deeper than ${limits.maxDepth} levels of arrays and objects`);
          return { ok: false, kind: 'content', errors, total };
        }
        const frame: Frame = { array: c === OPEN_BRACKET, at: 0, count: 0, keys: null };
        stack.push(frame);
        i++;
        skip();
        const close = frame.array ? CLOSE_BRACKET : CLOSE_BRACE;
        if (text.charCodeAt(i) === close) {
          stack.pop();
          i++;
        } else {
          if (frame.array) frame.count = 1;
          else readKey(frame);
          container = true;
        }
      } else if (c === QUOTE) {
        checkStringValue();
      } else if (c === 0x74 /* t */ || c === 0x66 /* f */ || c === 0x6e /* n */) {
        const word = c === 0x74 ? 'true' : c === 0x66 ? 'false' : 'null';
        if (!text.startsWith(word, i)) expected('a JSON value');
        i += word.length;
      } else {
        NUMBER.lastIndex = i;
        const m = NUMBER.exec(text);
        if (m === null) expected('a JSON value (object, array, string, number, true, false or null)');
        if (!Number.isFinite(Number(m![0]))) reject('is a number too large to be represented (beyond ±1.8e308)');
        i += m![0].length;
      }
      if (container) continue;

      // After a value: close containers or move to the next element or member.
      for (;;) {
        skip();
        const frame = stack[stack.length - 1];
        if (frame === undefined) {
          if (i < n) throw new SyntaxProblem(i, 'unexpected data after the JSON value');
          return total === 0 ? { ok: true } : { ok: false, kind: 'content', errors, total };
        }
        const d = text.charCodeAt(i);
        if (d === COMMA) {
          i++;
          skip();
          if (frame.array) {
            frame.at = frame.count;
            frame.count++;
            if (frame.count === limits.maxItems + 1) reject(`must have at most ${limits.maxItems} elements`, true);
          } else {
            readKey(frame);
          }
          break;
        }
        if (d === (frame.array ? CLOSE_BRACKET : CLOSE_BRACE)) {
          stack.pop();
          i++;
          continue;
        }
        expected(frame.array ? "',' or ']' after an array element" : "',' or '}' after an object member");
      }
    }
  } catch (error) {
    if (!(error instanceof SyntaxProblem)) throw error;
    const offset = byteBase + utf8Offset(text, Math.min(error.index, n));
    return { ok: false, kind: 'syntax', offset, detail: `${error.detail} at byte ${offset}` };
  }
}
