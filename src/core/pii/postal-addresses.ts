// Postal addresses found from their postcode: most of the world's addresses end (or, in Japan,
// start) with a postcode of a known national shape, and the street part before it is a chain of
// capitalised words, house numbers and a few lower-case street words ("ul.", "rue", "apto"). So
// each postcode candidate is followed backwards, token by token and comma segment by comma
// segment, while the tokens look like an address; it is an address when that chain holds a house
// number (or PO box) and a name. This covers layouts the street-type patterns do not (UK, Canada,
// Australia, India, Brazil, the Netherlands, Poland, Portugal, Japan, PO boxes) without a list per
// country. Also: PO boxes without postcode, and Japanese and Chinese addresses written in kanji.
import { PUBLIC_TITLES } from './lexicons.js';
import { execAll } from './scan.js';
import type { Span } from './types.js';

const US_STATES =
  'AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|PR';

// Each alternative is one postcode shape; the group number says which (see KINDS).
// The leading look-ahead rejects most positions (lower-case letters, spaces) at once, before the
// alternatives' look-behinds are tried.
const POSTCODE = new RegExp(
  '(?=[A-Z\\d〒])(?:' +
  [
    // 1 UK: SW1A 1AA, RG1 5HP
    '(?<![A-Za-z0-9])([A-Z]{1,2}\\d[A-Z\\d]? ?\\d[ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])',
    // 2 Canada: H3G 1K4
    '(?<![A-Za-z0-9])([ABCEGHJ-NPRSTVXY]\\d[ABCEGHJ-NPRSTV-Z] ?\\d[ABCEGHJ-NPRSTV-Z]\\d)(?![A-Za-z0-9])',
    // 3 US state + ZIP: IL 60625, TX 78681-1234
    `(?<![A-Za-z0-9])((?:${US_STATES}),? \\d{5}(?:-\\d{4})?)(?![\\w-])`,
    // 4 Australia state + postcode: NSW 2034
    '(?<![A-Za-z0-9])((?:NSW|VIC|QLD|WA|SA|TAS|ACT|NT),? \\d{4})(?![\\w-])',
    // 5 Brazil CEP: 01418-000
    '(?<![\\w./-])(\\d{5}-\\d{3})(?![\\w-]|\\.\\d)',
    // 6 Japan with the postal mark: 〒150-0002
    '(〒\\s?\\d{3}-\\d{4})',
    // 7 Netherlands: 1016 GC (a city follows)
    '(?<![\\w./-])(\\d{4} ?[A-Z]{2})(?= \\p{Lu})',
    // 8 Poland 00-514, Portugal 1100-053 (a city follows)
    '(?<![\\w./-])(\\d{2}-\\d{3}|\\d{4}-\\d{3})(?= \\p{Lu})',
    // 9 four or five digits, optionally with a country prefix (D-10178), a city following: most of Europe
    '(?<![\\w./,-])((?:[A-Z]{1,2}-)?\\d{4,5})(?= \\p{Lu}\\p{Ll})',
    // 10 India PIN (560038, 500 034) and Japan in Latin letters (153-0063): the city comes before
    '(?<![\\w./-])(\\d{3} ?\\d{3}|\\d{3}-\\d{4})(?![\\w-]|[.,]\\d)',
  ].join('|') + ')',
  'gu',
);

/** Shapes that hardly occur outside addresses; the others need a comma or line break before them. */
const STRONG_KINDS = new Set([1, 2, 3, 4, 5, 6]);
/** Shapes whose city follows the postcode. */
const CITY_AFTER_KINDS = new Set([7, 8, 9]);

// Cheap pre-check: a digit run of 3+ next to a letter-number postcode, a hyphenated code or 4+ digits.
const ANY_POSTCODE = /\d{3}|[A-Z]\d[A-Z\d]? ?\d[A-Z]{2}|\d{2}-\d{3}|〒/;

/** Lower-case words that occur inside addresses (street types, particles, unit abbreviations). */
const ADDRESS_LOWER = new Set(
  ('ul. ul al. al os. os pl. m. m apto apto. ap. ap apt apt. app. rue avenue av. allée chemin impasse quai boulevard bd route ' +
    'place cours via viale corso piazza piazzale largo vicolo calle avenida avda. rua travessa praça straat weg laan ' +
    'de da do dos das del della delle dei degli di la le les des du van der den het y e et i bis ter no. no nr nr. n. n° nº ' +
    'izq. izq dcha. dcha esq. esq dto. piso bât. bat. étage am an im auf zum zur - – — / & c/ s/n ' +
    'road street lane drive avenue way close court crescent place grove terrace gardens parade st. rd. ave. dr.').split(' '),
);
/** Words that make a comma segment part of the address even without a number: buildings and units. */
const BUILDING_WORDS =
  /^(?:flat|unit|apt|apartment|apartments|appartement|résidence|residence|residency|building|bldg|tower|block|house|room|suite|floor|bât\.?|bâtiment|hinterhaus|vorderhaus|seitenflügel|scala|edificio|torre|bloco|bloque|portal|escalera|lote|quadra|conjunto|condomínio|sector|sektor|mieszkanie|lokal)$/i;
/** Sentence words that are capitalised but never start an address. */
const NOT_ADDRESS_CAPS = new Set(
  'I My Our Your His Her Their We You He She They It Please Hi Hello Hey Dear Thanks Thank Send Ship Deliver Address Adresse Indirizzo Dirección Endereço Adres Adresa Delivery Lieferadresse Mail To From Is'.split(' '),
);

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

function addressLike(token: string): boolean {
  if (token.length === 0) return false;
  if (/\d/.test(token)) return token.length <= 14;
  const first = token.charAt(0);
  if (first !== first.toLowerCase() && first === first.toUpperCase()) return !NOT_ADDRESS_CAPS.has(token.replace(/[.,]+$/, ''));
  if (CJK.test(first)) return true;
  return ADDRESS_LOWER.has(token.toLowerCase());
}

/** A token that ends a sentence: "place." but not "Av." "St." "P.O." "ul." "No." "H.No.". */
function endsSentence(token: string): boolean {
  if (!/[.!?]$/.test(token)) return false;
  if (/[!?]$/.test(token)) return true;
  const word = token.slice(0, -1);
  return word.length > 4 && !word.includes('.') && !/\d/.test(word);
}

interface Token { start: number; end: number; text: string }

const TOKEN = /\S+/g;

/**
 * Start of the address whose postcode starts at `postcodeStart`, or -1 when the text before it is
 * not an address (no house number or PO box, no name, or no separator before a weak postcode).
 */
function addressStart(text: string, postcodeStart: number, strong: boolean): number {
  // The line start within reach (lastIndexOf over the whole text would make long lines quadratic).
  const reach = Math.max(0, postcodeStart - 200);
  const lineBreak = text.slice(reach, postcodeStart).lastIndexOf('\n');
  const floor = lineBreak === -1 ? reach : reach + lineBreak + 1;
  const window = text.slice(floor, postcodeStart);
  // A weak postcode starts a comma segment ("Dorpsstraat 17a, 3451 BR Vleuten") or ends a chain of
  // several segments ("Banjara Hills, Hyderabad, Telangana 500034", "Meguro-ku, Tokyo 153-0063").
  const startsSegment = /(?:,|^)\s*$/.test(window);
  let segments = 0;
  const tokens: Token[] = [];
  for (const m of execAll(TOKEN, window)) tokens.push({ start: floor + m.index, end: floor + m.index + m[0].length, text: m[0] });
  let start = -1;
  let digitSegmentSeen = false;
  let hasNumber = false;
  let hasName = false;
  let i = tokens.length - 1;
  // Walk comma segments backwards.
  while (i >= 0) {
    let j = i;
    let segmentHasDigit = false;
    let segmentBuilding = false;
    let segmentStart = -1;
    let complete = true;
    for (; j >= 0; j--) {
      const token = tokens[j]!;
      const isLastOfSegment = j === i;
      const raw = token.text;
      if (!isLastOfSegment && /,$/.test(raw)) break; // previous segment
      if (/[:;]$/.test(raw)) {
        complete = false;
        break;
      }
      const core = raw.replace(/,+$/, '');
      if (!isLastOfSegment && endsSentence(core)) {
        complete = false;
        break;
      }
      if (!addressLike(core)) {
        complete = false;
        break;
      }
      if (/\d/.test(core)) segmentHasDigit = true;
      if (BUILDING_WORDS.test(core.replace(/[.,]+$/, ''))) segmentBuilding = true;
      segmentStart = token.start;
    }
    if (segmentStart === -1) break;
    segments++;
    if (digitSegmentSeen && !segmentHasDigit && !segmentBuilding) break;
    start = segmentStart;
    for (let k = j + 1; k <= i; k++) {
      const core = tokens[k]!.text.replace(/,+$/, '');
      if (/\d/.test(core)) hasNumber = true;
      else if (/^\p{Lu}/u.test(core) || CJK.test(core)) hasName = true;
    }
    if (segmentHasDigit) digitSegmentSeen = true;
    if (!complete) break;
    i = j;
  }
  if (start === -1 || !hasNumber || !hasName) return -1;
  if (!strong && !startsSegment && segments < 2) return -1;
  // Leading particles are not part of the address ("de Vries" aside, "of 12 ..." starts at 12).
  while (start < postcodeStart) {
    const m = /^(?:de|da|do|y|e|et|i|-|–|—|\/|&)\s+/.exec(text.slice(start, postcodeStart));
    if (!m) break;
    start += m[0].length;
  }
  return start;
}

// The city after a postcode: capitalised words (no dots: the next sentence is not part of it).
const CITY_AFTER = /^[ ]\p{Lu}[\p{L}'’-]*(?:[ -](?:\p{Lu}[\p{L}'’-]*|[a-zà-ÿ]{1,3}(?= \p{Lu}))){0,3}(?: [A-Z]{2}(?![\p{L}]))?/u;
const JP_AFTER = /^[\s\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー\d０-９\-－‐]{1,60}/u;
const HONORIFIC = /\s+\S{1,6}\s*\S{0,6}\s*(?:様|さん|殿)/u;

function isLandmark(text: string, start: number, end: number): boolean {
  for (const segment of text.slice(start, end).split(',')) {
    const key = segment.trim().toLowerCase().replace(/\s+/g, ' ');
    if (/\d/.test(key) && PUBLIC_TITLES.has(key)) return true;
  }
  return false;
}

// PO boxes: the box itself identifies the addressee, postcode or not.
const PO_BOX =
  /(?<![\p{L}])(?:P\.? ?O\.? ?Box|Post Office Box|PO Box|Postfach|Postbus|Apartado(?: de [Cc]orreos)?|Caixa Postal|Bo[iî]te [Pp]ostale|Casella [Pp]ostale|Skrytka [Pp]ocztowa|Skr\. poczt\.)\s?\d{1,6}(?: \d{2}){0,2}(?!\d)/gu;

const PO_BOX_WORD = /Box|[Pp]ost|Apartado|Caixa|Bo[iî]te|Casella|Skr/;

// Kanji addresses: a prefecture (or Chinese province/city), a municipality, then block numbers.
const KANJI_ADDRESS =
  /(?:東京都|北海道|京都府|大阪府|\p{Script=Han}{2,3}[県省]|\p{Script=Han}{2,3}市)[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー]{1,20}?[市区町村郡县路街道][\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー]{0,12}[\d０-９]{1,4}(?:[丁目番地号\-－‐の][\d０-９]{0,4}){0,4}[号]?/gu;

/** `cjk`: how many kana and CJK ideographs `text` has (see textStats). */
export function detectPostalAddresses(text: string, out: Span[], cjk = 1): void {
  if (PO_BOX_WORD.test(text)) {
    for (const m of execAll(PO_BOX, text)) out.push({ start: m.index, end: m.index + m[0].length, type: 'STREET_ADDRESS' });
  }
  if (cjk > 0) {
    for (const m of execAll(KANJI_ADDRESS, text)) out.push({ start: m.index, end: m.index + m[0].length, type: 'STREET_ADDRESS' });
  }
  if (!ANY_POSTCODE.test(text)) return;
  for (const m of execAll(POSTCODE, text)) {
    let kind = 0;
    for (let g = 1; g <= 10; g++) {
      if (m[g] !== undefined) {
        kind = g;
        break;
      }
    }
    const postcodeEnd = m.index + m[0].length;
    let end = postcodeEnd;
    if (kind === 6) {
      // Japanese order: postcode, prefecture, city, block numbers.
      const after = JP_AFTER.exec(text.slice(end, end + 60));
      if (after) {
        let value = after[0];
        const honorific = HONORIFIC.exec(value);
        if (honorific) value = value.slice(0, honorific.index);
        end += value.replace(/\s+$/, '').length;
      }
      out.push({ start: m.index, end, type: 'STREET_ADDRESS' });
      continue;
    }
    const start = addressStart(text, m.index, STRONG_KINDS.has(kind));
    if (start === -1) continue;
    if (CITY_AFTER_KINDS.has(kind)) {
      const city = CITY_AFTER.exec(text.slice(end, end + 60));
      if (!city) continue;
      end += city[0].length;
    }
    if (isLandmark(text, start, postcodeEnd)) continue;
    out.push({ start, end, type: 'STREET_ADDRESS' });
  }
}
