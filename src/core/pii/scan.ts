// Regex scanning helpers. `String.prototype.matchAll` clones its regex and allocates an iterator on
// every call (about 0.2 µs each, a large share of a short chat message's budget); these helpers
// reuse the module-level global regexes instead.

const NO_MATCHES: readonly RegExpExecArray[] = [];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A regex source matching exactly the given literal words, as a trie ("m(?:y|i(?:o|a)?)" for
 * my, mi, mio, mia). The regex engine tries alternatives one after the other; grouped by their
 * first characters, a position is rejected after one comparison instead of one per word.
 */
export function wordTrie(words: readonly string[]): string {
  const groups = new Map<string, string[]>();
  let hasEmpty = false;
  for (const w of words) {
    if (w.length === 0) {
      hasEmpty = true;
      continue;
    }
    const rest = groups.get(w.charAt(0)) ?? [];
    rest.push(w.slice(1));
    groups.set(w.charAt(0), rest);
  }
  if (groups.size === 0) return '';
  const parts = [...groups].map(([first, rest]) => escapeRegExp(first) + wordTrie(rest));
  const body = parts.length === 1 && !hasEmpty ? (parts[0] ?? '') : `(?:${parts.join('|')})`;
  return hasEmpty ? `${body}?` : body;
}

/** A letter, apostrophe or (with `dot`) a period: word characters when walking back over a word. */
export function isWordCharCode(c: number, extra: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 39 || c === 0x2019 || c === extra ||
    (c >= 0xc0 && c !== 0xd7 && c !== 0xf7 && !(c >= 0x2000 && c <= 0x206f) && !(c >= 0x3000 && c <= 0x303f));
}

/** All matches of a global (or sticky) regex in `text`, in order. */
export function execAll(re: RegExp, text: string): readonly RegExpExecArray[] {
  re.lastIndex = 0;
  let m = re.exec(text);
  if (m === null) return NO_MATCHES;
  const found: RegExpExecArray[] = [];
  while (m !== null) {
    found.push(m);
    if (m[0].length === 0) re.lastIndex++;
    m = re.exec(text);
  }
  return found;
}


/** Cheap facts about a text, gathered in one pass, that let detectors skip their regex scans. */
export interface TextStats {
  /** ASCII digits. */
  digits: number;
  /** Longest run of [A-Za-z0-9_-] (API keys and tokens need 13+). */
  longestWordRun: number;
  /** Longest run of [A-Z0-9-] (document numbers need 6+). */
  longestCodeRun: number;
  /** Kana and CJK ideographs (U+3040-U+9FFF). */
  cjk: number;
  /**
   * Most letters and digits in one run of [A-Z0-9] with single separators [ ./-] between them,
   * among runs with 2+ digits ("485 777 3456", "C01X00T47", "2 67 04 38 886 256 53": identifier-like).
   */
  longestGroupedRun: number;
  /** [start, end) of the grouped runs with 6+ letters and digits, 2+ of them digits (at most 64; null past that). */
  groupedRuns: number[] | null;
  /** Spaces with two capitals on each side ("MARIA KOWALSKA"): names typed in capitals may follow. */
  capsPairs: number;
  /**
   * A number next to a capitalised word ("14 Elmhurst", "Bergmannstraße 102", "Box 4471") or a
   * French "12 rue": every street address layout has one.
   */
  addressHint: boolean;
  /** A year 1900-2099 written with four digits, or a numeric date "12.03.87": dates of birth need one. */
  dateHint: boolean;
  /** Letters only Polish uses (ą ć ę ł ń ś ź ż): the name detector then also looks up case forms. */
  polishLetters: number;
  /** Hyphens and colons: key blocks, CLI flags and URLs need them (String.includes on two-byte strings is slow). */
  hyphens: number;
  colons: number;
}

const NUMERIC_DATE = /\d[./-]\d{1,2}[./-]\d/;
// ą ć ę ł ń ś ź ż and capitals
const POLISH = new Set([0x104, 0x105, 0x106, 0x107, 0x118, 0x119, 0x141, 0x142, 0x143, 0x144, 0x15a, 0x15b, 0x179, 0x17a, 0x17b, 0x17c]);

// Character classes for the stats pass, by code point up to U+024F: WORD = [A-Za-z0-9_-],
// CODE = [A-Z0-9-], DIGIT, LETTER (Latin letters, ASCII to Extended-B), CAPITAL (Latin capitals).
const WORD = 1;
const CODE = 2;
const DIGIT = 4;
const LETTER = 8;
const CAPITAL = 16;
const CLASS = new Uint8Array(0x250);
for (let c = 0; c < 0x250; c++) {
  const upper = c >= 65 && c <= 90;
  const lower = c >= 97 && c <= 122;
  const digit = c >= 48 && c <= 57;
  const latin = c >= 0xc0 && c !== 0xd7 && c !== 0xf7;
  const capital = upper || (c >= 0xc0 && c <= 0xde && c !== 0xd7) || (c >= 0x100 && c <= 0x17f && c % 2 === 0);
  CLASS[c] =
    (upper || lower || digit || c === 95 || c === 45 ? WORD : 0) | (upper || digit || c === 45 ? CODE : 0) | (digit ? DIGIT : 0) |
    (upper || lower || latin ? LETTER : 0) | (capital ? CAPITAL : 0);
}

function classOf(c: number): number {
  return c < 0x250 ? (CLASS[c] ?? 0) : 0;
}

const FRENCH_STREET = /^(?:rue|av\.|avenue|boulevard|bd|place|chemin|allée|impasse|quai|route|cours|bis|ter) /i;

export function textStats(text: string): TextStats {
  let digits = 0;
  let word = 0;
  let code = 0;
  let longestWordRun = 0;
  let longestCodeRun = 0;
  let cjk = 0;
  let groupAlnum = 0;
  let groupDigits = 0;
  let afterSeparator = false;
  let longestGroupedRun = 0;
  let groupStart = 0;
  let groupEnd = 0;
  let groupedRuns: number[] | null = [];
  let capsPairs = 0;
  let addressHint = false;
  let wordCapital = false;
  let previousClass = 0;
  let digitRun = 0;
  let dateHint = false;
  let polishLetters = 0;
  let hyphens = 0;
  let colons = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const k = c < 0x250 ? (CLASS[c] ?? 0) : 0;
    if (k & DIGIT) {
      digitRun++;
    } else {
      if (digitRun === 4 && !dateHint) {
        const century = text.slice(i - 4, i - 2);
        if (century === '19' || century === '20') dateHint = true;
      }
      digitRun = 0;
      if (c === 45) hyphens++;
      else if (c === 58) colons++;
      else if (c >= 0x104 && c <= 0x17c && POLISH.has(c)) polishLetters++;
    }
    if (k & LETTER) {
      if (!(previousClass & LETTER)) wordCapital = (k & CAPITAL) !== 0;
    } else if (k & DIGIT) {
      wordCapital = false;
      digits++;
    } else if (c === 32) {
      const next = classOf(text.charCodeAt(i + 1));
      const previous = text.charCodeAt(i - 1);
      if (!addressHint) {
        // "14 Elmhurst", "Bergmannstraße 102", "No. 12", "12B Wellington", "12, Rue", "12 rue"
        if (next & DIGIT) {
          if (wordCapital && (previousClass & LETTER || previous === 46)) addressHint = true;
        } else if (next & CAPITAL) {
          if (previousClass & DIGIT || ((previousClass & LETTER || previous === 44) && classOf(text.charCodeAt(i - 2)) & DIGIT)) addressHint = true;
        } else if ((previousClass & DIGIT || previous === 44) && FRENCH_STREET.test(text.slice(i + 1, i + 10))) {
          addressHint = true;
        }
      }
      if (next & CAPITAL && previousClass & CAPITAL && classOf(text.charCodeAt(i - 2)) & CAPITAL && classOf(text.charCodeAt(i + 2)) & CAPITAL) capsPairs++;
    } else if (c >= 0x3040 && c <= 0x9fff) {
      cjk++;
    }
    previousClass = k;
    if (k & CODE && c !== 45) {
      if (groupAlnum === 0) groupStart = i;
      groupAlnum++;
      groupEnd = i + 1;
      if (k & DIGIT) groupDigits++;
      afterSeparator = false;
      if (groupDigits >= 2 && groupAlnum > longestGroupedRun) longestGroupedRun = groupAlnum;
    } else if ((c === 32 || c === 46 || c === 47 || c === 45) && !afterSeparator && groupAlnum > 0) {
      afterSeparator = true;
    } else {
      if (groupAlnum >= 6 && groupDigits >= 2 && groupedRuns !== null) {
        if (groupedRuns.length >= 128) groupedRuns = null;
        else groupedRuns.push(groupStart, groupEnd);
      }
      groupAlnum = 0;
      groupDigits = 0;
      afterSeparator = false;
    }
    if (k & WORD) {
      if (++word > longestWordRun) longestWordRun = word;
    } else {
      word = 0;
    }
    if (k & CODE) {
      if (++code > longestCodeRun) longestCodeRun = code;
    } else {
      code = 0;
    }
  }
  if (groupAlnum >= 6 && groupDigits >= 2 && groupedRuns !== null) {
    if (groupedRuns.length >= 128) groupedRuns = null;
    else groupedRuns.push(groupStart, groupEnd);
  }
  if (digitRun === 4 && /^(?:19|20)/.test(text.slice(-4))) dateHint = true;
  if (!dateHint && digits >= 3) dateHint = NUMERIC_DATE.test(text);
  return { digits, longestWordRun, longestCodeRun, cjk, longestGroupedRun, capsPairs, addressHint, dateHint, polishLetters, hyphens, colons, groupedRuns };
}

/**
 * `text` lower-cased with every character at its place: toLowerCase() may lengthen a few
 * characters ("İ" becomes "i̇"); those are folded one by one so offsets stay valid.
 */
export function lowerSameLength(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower;
  let out = '';
  for (const ch of text) {
    const l = ch.toLowerCase();
    out += l.length === ch.length ? l : ch;
  }
  return out;
}
