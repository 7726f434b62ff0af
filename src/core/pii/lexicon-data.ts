// Compact form of the name and word lexicons: what scripts/build-lexicons.ts writes to
// dist/lexicons/ and what the detector loads at run time.
//
// A lexicon is a list of lines "key" or "key\tvalue" (keys lower case, sorted, unique, without
// tabs or newlines; value a small integer). Keys made only of Latin-1 characters (~98%) go to a
// Latin-1 file that is read into one one-byte string; the others go to a small UTF-8 file. At load
// time a PackedLexicon indexes the one-byte string with an open-addressing hash table in typed
// arrays: about 10 bytes per key on top of the text, against ~100 bytes per entry for a JS Map of
// strings (the JS Map version of these lexicons took ~30 MB of heap, the packages' data ~100 MB).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

// Flags of a word: what it can be.
export const IS_FIRST = 1;
export const IS_SURNAME = 2;
export const IS_ANY_NAME = 4;
export const IS_COMMON = 8;
/** First word of a multi-word public title ("charles" of "charles de gaulle"). */
export const IS_TITLE_HEAD = 16;
/** A public title on its own ("napoleon", "ferrari"). */
export const IS_TITLE = 32;

/** The lexicons as built from the packages. */
export interface LexiconData {
  /** Every lexicon word (and folded form) with its flags. */
  wordFlags: ReadonlyMap<string, number>;
  /** Wikipedia titles and hand-kept public entities, with their folded forms. */
  titles: ReadonlySet<string>;
}

/** Where the generated files live: dist/lexicons/ (this module is dist/src/core/pii/). */
export const LEXICON_DIR = new URL('../../../lexicons/', import.meta.url);

/** Generated file names. */
export const LEXICON_FILES = {
  wordsLatin1: 'words.latin1.txt',
  wordsOther: 'words.other.txt',
  titlesLatin1: 'titles.latin1.txt',
  titlesOther: 'titles.other.txt',
  fingerprint: 'fingerprint.txt',
} as const;

/** Contents of the generated files (Latin-1 ones as strings of code points 0-255). */
export interface LexiconTexts {
  wordsLatin1: string;
  wordsOther: string;
  titlesLatin1: string;
  titlesOther: string;
}

const NOT_LATIN1 = /[^\x00-\xff]/;
const LINE_BREAK = /[\t\n\r]/;

function serialize(entries: Iterable<[string, number | undefined]>): { latin1: string; other: string } {
  const latin1: string[] = [];
  const other: string[] = [];
  for (const [key, value] of [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    if (LINE_BREAK.test(key)) throw new Error(`lexicon key with a tab or line break: ${JSON.stringify(key)}`);
    if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= 255)) {
      throw new Error(`lexicon value out of range: ${JSON.stringify(key)} ${value}`);
    }
    const line = value === undefined ? key : `${key}\t${value}`;
    (NOT_LATIN1.test(key) ? other : latin1).push(line);
  }
  // Every line ends with '\n': lookups rely on a key being followed by '\t' or '\n'.
  const join = (lines: string[]): string => lines.map((line) => line + '\n').join('');
  return { latin1: join(latin1), other: join(other) };
}

/** The generated files' contents for `data`. */
export function serializeLexicons(data: LexiconData): LexiconTexts {
  const words = serialize(data.wordFlags);
  const titles = serialize([...data.titles].map((title): [string, undefined] => [title, undefined]));
  return { wordsLatin1: words.latin1, wordsOther: words.other, titlesLatin1: titles.latin1, titlesOther: titles.other };
}

/**
 * Fingerprint of the code and hand-kept lists the lexicons are built from (the compiled builder
 * modules), so stale generated files are detected and rebuilt from the packages instead.
 */
export function lexiconSourceFingerprint(): string {
  const hash = createHash('sha256');
  for (const module of ['lexicon-sources.js', 'lexicon-data.js', 'public-entities.js', 'fold.js']) {
    hash.update(module).update('\0').update(readFileSync(new URL(module, import.meta.url))).update('\0');
  }
  return hash.digest('hex');
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const TAB = 9;
const NEWLINE = 10;

/** Read-only string -> small integer lookup over the generated text of one lexicon. */
export class PackedLexicon {
  /** Latin-1 lines "key\tvalue\n" or "key\n", one-byte string. */
  private readonly text: string;
  /**
   * Open addressing, linear probing: 0 = empty, else (hash tag << offsetBits) | (line start + 1).
   * The value is read from the text right after the key, so a lookup touches the table and one
   * place in the text.
   */
  private readonly table: Uint32Array;
  private readonly mask: number;
  private readonly offsetBits: number;
  private readonly offsetMask: number;
  /** Keys with characters beyond Latin-1 (a few thousand). */
  private readonly other: Map<string, number>;
  readonly size: number;

  constructor(latin1: string, other: string) {
    this.text = latin1;
    let offsetBits = 1;
    while (2 ** offsetBits <= latin1.length + 1) offsetBits++;
    if (offsetBits > 26) throw new Error('lexicon too large');
    this.offsetBits = offsetBits;
    this.offsetMask = 2 ** offsetBits - 1;
    const count = countLines(latin1);
    let capacity = 1024;
    while (capacity < count * 1.5) capacity *= 2;
    this.table = new Uint32Array(capacity);
    this.mask = capacity - 1;
    for (let start = 0; start < latin1.length; ) {
      const keyEnd = keyEndAt(latin1, start);
      let hash = FNV_OFFSET;
      for (let i = start; i < keyEnd; i++) hash = Math.imul(hash ^ latin1.charCodeAt(i), FNV_PRIME);
      let slot = hash & this.mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
      this.table[slot] = (((hash >>> offsetBits) << offsetBits) | (start + 1)) >>> 0;
      const end = latin1.indexOf('\n', keyEnd);
      start = end === -1 ? latin1.length : end + 1;
    }
    this.other = new Map();
    for (const line of other.split('\n')) {
      if (line.length === 0) continue;
      const tab = line.indexOf('\t');
      this.other.set(tab === -1 ? line : line.slice(0, tab), tab === -1 ? 0 : parseValue(line, tab + 1));
    }
    this.size = count + this.other.size;
  }

  /** Value of `key` (0 if its line has none), or -1 if it is not in the lexicon. */
  get(key: string): number {
    const n = key.length;
    let hash = FNV_OFFSET;
    for (let i = 0; i < n; i++) {
      const c = key.charCodeAt(i);
      if (c > 0xff || c < 0x20) {
        // One test for the rare cases: beyond Latin-1, or a control character.
        if (c > 0xff) return this.other.get(key) ?? -1;
        if (c === NEWLINE || c === TAB) return -1; // no key contains them
      }
      hash = Math.imul(hash ^ c, FNV_PRIME);
    }
    const text = this.text;
    const offsetBits = this.offsetBits;
    const tag = hash >>> offsetBits;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.table[slot]!;
      if (entry === 0) return -1;
      if (entry >>> offsetBits !== tag) continue;
      const start = (entry & this.offsetMask) - 1;
      const after = text.charCodeAt(start + n);
      if (after !== TAB && after !== NEWLINE) continue;
      let i = 0;
      while (i < n && text.charCodeAt(start + i) === key.charCodeAt(i)) i++;
      if (i === n) return after === TAB ? parseValue(text, start + n + 1) : 0;
    }
  }

  has(key: string): boolean {
    return this.get(key) !== -1;
  }

  /** Every key with its value; only those whose value has a bit of `mask` if given. */
  *entries(mask = -1): IterableIterator<[string, number]> {
    const text = this.text;
    for (let start = 0; start < text.length; ) {
      const keyEnd = keyEndAt(text, start);
      const value = text.charCodeAt(keyEnd) === TAB ? parseValue(text, keyEnd + 1) : 0;
      if (mask === -1 || (value & mask) !== 0) yield [text.slice(start, keyEnd), value];
      const end = text.indexOf('\n', keyEnd);
      start = end === -1 ? text.length : end + 1;
    }
    for (const [key, value] of this.other) if (mask === -1 || (value & mask) !== 0) yield [key, value];
  }
}

/** End of the key that starts at `start` (its '\t' or '\n'). */
function keyEndAt(text: string, start: number): number {
  let i = start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === TAB || c === NEWLINE) break;
    i++;
  }
  return i;
}

function countLines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** Decimal digits from `from` up to the next non-digit. */
function parseValue(text: string, from: number): number {
  let value = 0;
  for (let i = from; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  return value;
}
