// Names of private people. Capitalised tokens are grouped into runs ("Zora Whitfield-Kane",
// "Gabriel García Márquez"); each run is scored from name lexicons (first names, surnames, any
// names), penalised for ordinary words, and boosted by context cues before it (greetings, titles,
// "my name is" in five languages, relations like "my neighbor", labels like "Contact:") or after
// it (signature line end, an email/phone right after). Runs that are Wikipedia titles or known
// public entities, or that contain place/organisation words, are kept.
import { ANY_NAMES, COMMON_WORDS, FIRST_NAMES, PUBLIC_TITLES, SURNAMES } from './lexicons.js';
import type { Span } from './types.js';

// One capitalised word: O'Brien, McDonald, Whitfield-Kane, Élodie. Must contain a lower-case letter.
const TOKEN =
  /(?<![\p{L}\p{N}_@./\\#$-])(?:[DO]['’])?\p{Lu}[\p{Ll}\p{M}]+(?:\p{Lu}[\p{Ll}\p{M}]+)?(?:-\p{Lu}[\p{Ll}\p{M}]+)*(?![\p{L}\p{N}_@])/gu;

// What may separate two tokens of one name: a space, optionally with nobiliary particles.
const NAME_GAP = /^(?: (?:de|da|di|del|della|van|von|der|den|du|des|dos|das|le|la|ter|ten|bin|ibn|al|el|zu|y))* $/;

/** Words that make a capitalised run a place, organisation or thing, not a person. */
const NOT_PERSON_WORDS = new Set(
  ('street st avenue ave road rd drive lane boulevard blvd way court place square park bridge hall tower center centre ' +
    'city town county state valley river lake mount mountain mountains island islands beach bay coast sea ocean canyon falls forest desert ' +
    'north south east west university college school academy institute hospital clinic church cathedral museum library airport station ' +
    'company corp corporation inc ltd llc gmbh group bank foundation realty motors airlines airways hotel restaurant cafe labs studio studios ' +
    'records press times news post journal magazine award prize cup league festival day act law theorem effect syndrome disease ' +
    'project protocol framework api sdk server cloud app apps store services service systems solutions technologies software ' +
    'via viale corso piazza calle avenida rue strasse straße platz san santa saint sankt st. fort port cape monte lago rio ' +
    'republic kingdom empire war revolution treaty carta wall gate palace castle temple stadium arena theater theatre opera ' +
    'team club fc united city express mail pay wallet card bank sales support marketing finance design research ' +
    'whisky whiskey wine beer vodka gin rum').split(' '),
);

/** Capitalised words that introduce a name: titles, greetings, German relation nouns, labels. */
const LEAD_WORDS = new Set(
  ('mr mrs ms miss mx dr prof sir madam sig signor signora signorina dott avv ing frau herr mme mlle monsieur madame mademoiselle ' +
    'maître señor señora señorita sr sra srta don doña hi hello hey dear ciao caro cara gentile salve salut bonjour bonsoir cher chère ' +
    'hallo liebe lieber hola querido querida estimado estimada thanks cheers grazie merci danke gracias ' +
    'kollege kollegin nachbar nachbarin freund freundin chef chefin bruder schwester vater mutter mann sohn tochter onkel tante ' +
    'vermieter vermieterin mieter mieterin kunde kundin anwalt anwältin arzt ärztin chefe contact contatto kontakt titular attn ' +
    'name nome nom nombre buyer seller owner tenant landlord neighbor neighbour colleague friend boss manager coach').split(' '),
);

const GREETING_OR_TITLE =
  /(?:^|[\s"'(«“])(?:hi|hello|hey|dear|ciao|caro|cara|gentile|gentilissim[oa]|salve|salut|bonjour|bonsoir|cher|chère|hallo|liebe|lieber|sehr geehrter?|hola|querid[oa]|estimad[oa]|mr|mrs|ms|miss|mx|dr|prof|sir|madam|sig|sig\.ra|sigg?\.|signor|signora|signorina|dott|dott\.ssa|avv|ing|frau|herr|m|mme|mlle|monsieur|madame|mademoiselle|maître|sr|sra|srta|señor|señora|señorita|don|doña|thanks|thank you|cheers|grazie|merci|danke|gracias|attn|to|from|cc|for)\.?,?\s*$/i;
const INTRODUCTION =
  /(?:my name is|my name's|i am|i'm|im|this is|it's|call me|name:|named|called|mi chiamo|il mio nome è|sono|je m['’]appelle|je suis|mon nom est|moi c['’]est|ich heiße|ich heisse|ich bin|mein name ist|me llamo|mi nombre es|soy)\s*$/i;
const RELATION =
  /(?:my|our|his|her|their|your|the)\s+(?:new\s+|old\s+|former\s+|dear\s+|best\s+|late\s+)?(?:neighbou?r|colleague|co-?worker|coworker|friend|boss|manager|landlord|landlady|tenant|roommate|flatmate|wife|husband|partner|fiancée?|son|daughter|brother|sister|mom|mum|mother|dad|father|aunt|uncle|cousin|niece|nephew|grandma|grandmother|grandpa|grandfather|grandson|granddaughter|boyfriend|girlfriend|coach|teacher|tutor|doctor|dentist|therapist|lawyer|attorney|accountant|babysitter|nanny|client|customer|student|employee|hire|assistant|contractor|plumber|electrician|realtor|agent|supervisor|mentor|buyer|seller|owner|guest|patient|kid|child|stepson|stepdaughter|ex)\s*,?\s*$/i;
const RELATION_OTHER_LANGS =
  /(?:mio|mia|il mio|la mia|al mio|alla mia|del mio|della mia|mon|ma|mes|notre|mein|meine|meinem|meiner|meinen|unser|unsere|mi|mis|nuestro|nuestra)\s+(?:nuovo\s+|nuova\s+)?(?:vicin[oa]|collega|amic[oa]|capo|fratello|sorella|padre|madre|papà|mamma|marito|moglie|figli[oa]|zi[oa]|cugin[oa]|nonn[oa]|commercialista|avvocato|medico|dottore|proprietari[oa]|inquilin[oa]|cliente|capo|voisin|voisine|collègue|ami|amie|patron|patronne|frère|sœur|soeur|père|mère|mari|femme|fils|fille|oncle|tante|propriétaire|locataire|client|cliente|avocat|médecin|nachbar|nachbarin|kollege|kollegin|freund|freundin|chef|chefin|bruder|schwester|vater|mutter|mann|sohn|tochter|onkel|tante|vermieter|vermieterin|mieter|mieterin|kunde|kundin|anwalt|arzt|ärztin|vecin[oa]|compañer[oa]|amig[oa]|jef[ea]|herman[oa]|padre|madre|marido|esposa|espos[oa]|hij[oa]|tí[oa]|prim[oa]|abuel[oa]|casero|casera|inquilin[oa]|abogad[oa]|médico|cliente)\s*,?\s*$/i;
const LABEL = /(?:name|full name|contact|contatto|nome|nom|nombre|titular|vorname|nachname|kontakt|ansprechpartner|attn|attention|from|to|cc|buyer|seller|owner|tenant|guest|patient|passenger|recipient|sender|signed|firma|signature|employee|customer|client|author)\s*["']?\s*[:=]\s*["']?\s*$/i;
const WEAK_CUE_BEFORE =
  /(?:\b(?:to|with|from|for|by|and|named|call|text|email|e-mail|ask|tell|invite|meet|message|contact|thank|remind|cc|per|a|à|an|mit|für|von|con|para|de|chez|pour|avec|und|et|e|y)\s*$)|(?:^|\n)\s*$/i;
const PUBLIC_CUE_BEFORE =
  /(?:who (?:was|is|were)|chi (?:era|è|fu)|qui (?:était|est|fut)|wer (?:war|ist)|quién (?:fue|era|es)|quotes? (?:by|from)|books? by|novels? by|poems? by|songs? by|works? (?:by|of)|biography of|life of|paintings? by|theory of|according to|written by|directed by|composed by|painted by)\s*$/i;
const SIGNATURE_BEFORE =
  /(?:(?:thanks|thank you|cheers|regards|sincerely|yours|love|grazie|saluti|merci|cordialement|amitiés|danke|grüße|gracias|saludos|atentamente|abrazos)[^\n]{0,40}\n\s*$)|(?:thanks|thank you|many thanks|cheers|best|regards|best regards|kind regards|warm regards|sincerely|yours|yours truly|love|xoxo|grazie|saluti|cordiali saluti|un saluto|a presto|merci|cordialement|bien à vous|bien cordialement|amitiés|bises|danke|viele grüße|liebe grüße|beste grüße|mit freundlichen grüßen|lg|vg|gracias|saludos|un saludo|atentamente|abrazos|-|—|–)[,!.]?\s*\n?\s*$/i;

function lower(token: string): string {
  return token.toLowerCase();
}

function isCommon(token: string): boolean {
  return COMMON_WORDS.has(lower(token));
}

function firstScore(token: string): number {
  const key = lower(token);
  if (FIRST_NAMES.has(key)) return 2;
  if (ANY_NAMES.has(key)) return 1;
  const hyphen = key.indexOf('-');
  if (hyphen > 0 && FIRST_NAMES.has(key.slice(0, hyphen))) return 2; // Jean-Luc, Anne-Marie
  return 0;
}

function lastScore(token: string): number {
  const key = lower(token);
  if (SURNAMES.has(key)) return 2;
  if (key.includes('-')) {
    const parts = key.split('-');
    if (parts.some((p) => SURNAMES.has(p) || ANY_NAMES.has(p))) return 2; // Whitfield-Kane
  }
  if (ANY_NAMES.has(key) || FIRST_NAMES.has(key)) return 1.5;
  return isCommon(token) || key.length < 2 ? 0 : 1; // an unknown, non-dictionary word
}

function isPublic(tokens: readonly string[]): boolean {
  const joined = tokens.join(' ').toLowerCase();
  if (PUBLIC_TITLES.has(joined)) return true;
  // "Charles Schwab Corporation", "Johnnie Walker (whisky)" style entries name a company or brand.
  for (const suffix of [' corporation', ' company', ' inc.', ' & co.', ' (company)', ' group', ' foundation']) {
    if (PUBLIC_TITLES.has(joined + suffix)) return true;
  }
  return false;
}

interface Run {
  tokens: string[];
  starts: number[];
  ends: number[];
}

function judgeRun(text: string, run: Run, out: Span[], nearbyContact: (pos: number) => boolean): void {
  let first = 0;
  // Leading sentence words ("Please", "Write", "Hi", "Text") are context, not part of a name.
  while (first < run.tokens.length) {
    const token = run.tokens[first] ?? '';
    const key = lower(token);
    if (NOT_PERSON_WORDS.has(key) && first === 0 && run.tokens.length > 1) return; // "Mount Fuji", "San Francisco"
    if (LEAD_WORDS.has(key) || isCommon(token) && !(FIRST_NAMES.has(key) && first + 1 < run.tokens.length && SURNAMES.has(lower(run.tokens[first + 1] ?? '')))) {
      first++;
      continue;
    }
    break;
  }
  if (first >= run.tokens.length) return;
  const tokens = run.tokens.slice(first);
  if (tokens.length > 4) return; // title-cased headings, not names
  for (const token of tokens) if (NOT_PERSON_WORDS.has(lower(token))) return;

  const start = run.starts[first] ?? 0;
  const end = run.ends[run.ends.length - 1] ?? start;
  const head = tokens[0] ?? '';
  const tail = tokens[tokens.length - 1] ?? '';
  // Lexicon score first: most runs (sentence-initial words) are decided without looking at context.
  let score: number;
  if (tokens.length === 1) {
    if (isCommon(head)) return;
    score = Math.max(firstScore(head), lastScore(head));
    if (score < 1) return;
  } else {
    score = firstScore(head) + lastScore(tail);
    if (isCommon(head)) score -= 1;
    if (isCommon(tail)) score -= 1;
    for (let i = 1; i < tokens.length - 1; i++) if (isCommon(tokens[i] ?? '') && firstScore(tokens[i] ?? '') === 0) score -= 1;
    if (score < 1) return;
  }

  const before = text.slice(Math.max(0, start - 48), start);
  const strongCue =
    GREETING_OR_TITLE.test(before) ||
    INTRODUCTION.test(before) ||
    RELATION.test(before) ||
    RELATION_OTHER_LANGS.test(before) ||
    LABEL.test(before) ||
    (SIGNATURE_BEFORE.test(before) && /^\s*(?:\n|$)/.test(text.slice(end, end + 2)));
  if (tokens.length === 1) {
    if (!strongCue) return;
  } else {
    if (strongCue) score += 2;
    else if (WEAK_CUE_BEFORE.test(before) || nearbyContact(end)) score += 1;
    if (score < 3) return;
  }
  if (PUBLIC_CUE_BEFORE.test(before) || isPublic(tokens) || (first > 0 && isPublic(run.tokens))) return;
  out.push({ start, end, type: 'PERSON' });
}

export function detectPersons(text: string, out: Span[], contactSpans: readonly Span[]): void {
  const nearbyContact = (pos: number): boolean => {
    for (const s of contactSpans) if (s.start >= pos && s.start - pos <= 6) return true;
    return false;
  };
  let run: Run | null = null;
  for (const m of text.matchAll(TOKEN)) {
    const token = m[0];
    const start = m.index;
    if (run) {
      const previousEnd = run.ends[run.ends.length - 1] ?? 0;
      if (start - previousEnd <= 24 && NAME_GAP.test(text.slice(previousEnd, start))) {
        run.tokens.push(token);
        run.starts.push(start);
        run.ends.push(start + token.length);
        continue;
      }
      judgeRun(text, run, out, nearbyContact);
    }
    run = { tokens: [token], starts: [start], ends: [start + token.length] };
  }
  if (run) judgeRun(text, run, out, nearbyContact);
}
