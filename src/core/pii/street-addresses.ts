// Street addresses with a house number: "77 Larchmont Ave, Apt 2, Providence, RI 02906",
// "Corso Vittorio Emanuele II 118, 10121 Torino", "Kirkegata 14, 0153 Oslo", "12 rue de la Paix".
// A matched street is extended over unit, city, state/ZIP and postcode segments. An address in a
// sentence with no personal context ("Is 10 Downing Street open to visitors?") is kept, and so
// are well-known landmark addresses.
import { PUBLIC_TITLES } from './lexicons.js';
import { execAll } from './scan.js';
import type { Span } from './types.js';

const NAME_WORD = "\\p{Lu}[\\p{L}'’.-]*";
const STREET_TYPES =
  'Street|St|Avenue|Ave|Av|Road|Rd|Drive|Dr|Court|Ct|Lane|Ln|Boulevard|Blvd|Way|Place|Pl|Terrace|Ter|Circle|Cir|' +
  'Trail|Trl|Parkway|Pkwy|Highway|Hwy|Run|Square|Sq|Crescent|Cres|Close|Grove|Row|Walk|Path|Loop|Pike|Alley|Mews|Gardens|Hill|View|Heights|Point|Ridge';
const US_STYLE = `(?<![\\p{L}\\d.,:/-])\\d{1,6}[A-Za-z]?(?: (?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\\.?)?(?: ${NAME_WORD}){1,4} (?:${STREET_TYPES})\\.?(?![\\p{L}])`;
const STREET_FIRST_WORDS =
  'Via|Viale|Corso|Piazza|Piazzale|Largo|Vicolo|Strada|Contrada|Calle|Avenida|Avda\\.?|Av\\.|Paseo|Plaza|Carrer|Camino|Carretera|Ronda|Travesía|' +
  'Rua|Travessa|Praça|Rue|Avenue|Boulevard|Bd|Chemin|Allée|Impasse|Quai|Route|Place|Cours';
const PARTICLE = "(?:(?:de|del|della|delle|dei|degli|di|da|la|le|les|des|du|dos|das|do|y|e|et|of|the) |d['’]|l['’])";
const STREET_FIRST = `(?<![\\p{L}\\d])(?:${STREET_FIRST_WORDS})(?: ${PARTICLE}*(?:${NAME_WORD}|[IVX]{1,4}|\\d{1,2}(?:º|ª|°))){1,6},? \\d{1,5}[A-Za-z]?(?:\\/[A-Za-z0-9]{1,3})?(?![\\p{L}\\d])`;
const NUMBER_FIRST_FR = `(?<![\\p{L}\\d.,/-])\\d{1,4}(?: ?(?:bis|ter))?,? (?:rue|avenue|av\\.|boulevard|bd|place|chemin|allée|impasse|quai|route|cours) ${PARTICLE}*${NAME_WORD}(?: ${PARTICLE}*${NAME_WORD}){0,4}`;
const SUFFIX_STREET = `(?<![\\p{L}\\d])(?:\\p{Lu}[\\p{L}-]* )?\\p{Lu}\\p{Ll}*(?:straße|strasse|str\\.|weg|gasse|platz|allee|ring|damm|ufer|gata|gatan|gate|vej|vägen|veien|straat|laan|gracht|plein|steeg|kade|singel|utca|ulica|katu|tie) \\d{1,5}[a-zA-Z]?(?![\\p{L}\\d])`;
const TWO_WORD_GERMAN = `(?<![\\p{L}\\d])\\p{Lu}\\p{Ll}+ (?:Straße|Strasse|Str\\.|Weg|Platz|Allee|Gasse|Ring|Damm|Ufer) \\d{1,5}[a-zA-Z]?(?![\\p{L}\\d])`;

// Each shape runs only when a cheap literal pre-check finds its street word: one big alternation
// was 4x slower than these separate passes.
const SHAPES: readonly { precheck: RegExp; pattern: RegExp }[] = [
  { precheck: new RegExp(` (?:${STREET_TYPES})\\b`), pattern: new RegExp(US_STYLE, 'gu') },
  { precheck: new RegExp(`(?:${STREET_FIRST_WORDS}) `), pattern: new RegExp(STREET_FIRST, 'gu') },
  { precheck: /\d(?: ?(?:bis|ter))?,? (?:rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|quai|route|cours) /i, pattern: new RegExp(NUMBER_FIRST_FR, 'gu') },
  {
    // " <digit>" first (cheap), then a look-behind for the word before it.
    precheck: /(?= \d)(?<=(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|gata|gatan|gate|vej|vägen|veien|straat|laan|gracht|plein|steeg|kade|singel|utca|ulica|katu|tie))/i,
    pattern: new RegExp(`${SUFFIX_STREET}|${TWO_WORD_GERMAN}`, 'gu'),
  },
];

// City names in the segments after the street: no dots, so a segment never runs into the next sentence.
const CITY_WORD = "\\p{Lu}[\\p{L}'’-]*";

// Segments that may follow the street, each starting with a comma (or a space for ZIP codes).
const SEGMENT = new RegExp(
  [
    `, ?(?:Apt|Apartment|Unit|Suite|Ste|Flat|Floor|Fl|Room|Rm|Bldg|Building|#|Piso|Puerta|Scala|Interno|Int\\.|Stiege|Top|Etage|Bâtiment|Bât\\.)\\.? ?#?[\\p{L}\\d-]{1,6}\\b`,
    `, ?\\d{1,3}(?:º|ª|°)\\.? ?[\\p{L}.]{0,6}\\.?`,
    `,? ?[A-Z]{2} \\d{5}(?:-\\d{4})?\\b`,
    `, ?(?:[A-Z]{1,2}-)?\\d{4,5}(?:-\\d{3})? ${CITY_WORD}(?: ${CITY_WORD}){0,2}`,
    `, ?[A-Z]{1,2}\\d[A-Z\\d]? ?\\d[A-Z]{2}\\b`,
    `, ?${CITY_WORD}(?: ${CITY_WORD}){0,2}`,
  ].join('|'),
  'uy',
);

const PERSONAL_CONTEXT =
  /\b(?:i|i'm|me|my|mine|we|our|us|you|your|he|his|she|her|they|their|send|ship|deliver|mail|live|lives|living|moved|address|tenant|landlord|neighbou?r|mio|mia|miei|mie|mi|casa|indirizzo|consegna|mon|ma|mes|je|chez|adresse|livr\w*|ich|mein|meine|meiner|wohne|adresse|lieferung|mis?|nuestra|direcci[oó]n|vivo|abito|abita|abitiamo|habito|habite|j'habite|wohnen|wohnt|resid\\w*|env[ií]o|titular)\b/i;

/** "rue|avenue" -> "[Rr]ue|[Aa]venue": lower or capitalised first letter, without the i flag. */
function eitherCase(words: string): string {
  return words
    .split('|')
    .map((w) => {
      const first = w.charAt(0);
      const upper = first.toUpperCase();
      return upper === first ? w : `[${upper}${first}]${w.slice(1)}`;
    })
    .join('|');
}

// One case-sensitive scan that every address shape needs to pass; most messages fail it, so the
// four per-shape prechecks (two of them case-insensitive) run only for the few that pass.
const ANY_SHAPE = new RegExp(
  [
    ` (?=[A-Z])(?:${STREET_TYPES})\\b`,
    `(?:${STREET_FIRST_WORDS}) `,
    `\\d(?: ?(?:bis|ter))?,? (?:${eitherCase('rue|avenue|av\\.|boulevard|bd|place|chemin|allée|impasse|quai|route|cours')}) `,
    `(?= \\d)(?<=(?:${eitherCase('straße|strasse|str\\.|weg|gasse|platz|allee|ring|damm|ufer|gata|gatan|gate|vej|vägen|veien|straat|laan|gracht|plein|steeg|kade|singel|utca|ulica|katu|tie')}))`,
  ].join('|'),
);

export function detectStreetAddresses(text: string, out: Span[]): void {
  if (!ANY_SHAPE.test(text)) return;
  for (const shape of SHAPES) {
    if (shape.precheck.test(text)) detectShape(text, shape.pattern, out);
  }
}

function detectShape(text: string, pattern: RegExp, out: Span[]): void {
  for (const m of execAll(pattern, text)) {
    let end = m.index + m[0].length;
    let segments = 0;
    for (; segments < 5; segments++) {
      SEGMENT.lastIndex = end;
      const s = SEGMENT.exec(text);
      if (!s) break;
      end += s[0].length;
    }
    while (end > m.index && /[\s,.]/.test(text.charAt(end - 1)) && !/\b[A-Z][a-z]{0,3}\.$/.test(text.slice(m.index, end))) end--;
    const street = m[0].toLowerCase().replace(/\s+/g, ' ');
    if (PUBLIC_TITLES.has(street)) continue;
    if (segments === 0 && !PERSONAL_CONTEXT.test(text)) continue;
    out.push({ start: m.index, end, type: 'STREET_ADDRESS' });
  }
}
