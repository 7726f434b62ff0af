// Builds the PII detector's lexicons from the npm packages once and writes them in compact form to
// dist/lexicons/ (see src/core/pii/lexicon-data.ts), so the detector does not load the packages.
// Run after tsc: node dist/scripts/build-lexicons.js
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildLexiconsFromPackages } from '../src/core/pii/lexicon-sources.js';
import {
  LEXICON_DIR, LEXICON_FILES, lexiconSourceFingerprint, serializeLexicons,
} from '../src/core/pii/lexicon-data.js';

const data = buildLexiconsFromPackages();
const texts = serializeLexicons(data);
mkdirSync(LEXICON_DIR, { recursive: true });
const write = (name: string, text: string, encoding: 'latin1' | 'utf8'): void => {
  writeFileSync(new URL(name, LEXICON_DIR), text, encoding);
};
write(LEXICON_FILES.wordsLatin1, texts.wordsLatin1, 'latin1');
write(LEXICON_FILES.wordsOther, texts.wordsOther, 'utf8');
write(LEXICON_FILES.titlesLatin1, texts.titlesLatin1, 'latin1');
write(LEXICON_FILES.titlesOther, texts.titlesOther, 'utf8');
// Written last: the files count as up to date only once all of them are.
write(LEXICON_FILES.fingerprint, lexiconSourceFingerprint() + '\n', 'utf8');
console.log(
  `lexicons: ${data.wordFlags.size} words, ${data.titles.size} titles -> ${fileURLToPath(LEXICON_DIR)}`,
);
