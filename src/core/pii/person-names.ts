// Names of private people. Capitalised tokens are grouped into runs ("Zora Whitfield-Kane",
// "Gabriel García Márquez"); each run is scored from name lexicons (first names, surnames, any
// names), penalised for ordinary words, and boosted by context cues before it (greetings, titles,
// "my name is" in five languages, relations like "my neighbor", labels like "Contact:") or after
// it (signature line end, an email/phone right after). Runs that are Wikipedia titles or known
// public entities, or that contain place/organisation words, are kept.
import {
  IS_ANY_NAME, IS_COMMON, IS_FIRST, IS_SURNAME, IS_TITLE, IS_TITLE_HEAD, PUBLIC_TITLES, foldKey, wordFlags,
} from './lexicons.js';
import { execAll, isWordCharCode, lowerSameLength, wordTrie } from './scan.js';
import type { Span } from './types.js';

// One capitalised word: O'Brien, McDonald, Whitfield-Kane, Élodie. Must contain a lower-case letter.
const TOKEN =
  /(?=\p{Lu})(?<![\p{L}\p{N}_@./\\#$-])(?:[DO]['’])?\p{Lu}[\p{Ll}\p{M}]+(?:\p{Lu}[\p{Ll}\p{M}]+)?(?:-\p{Lu}[\p{Ll}\p{M}]+)*(?![\p{L}\p{N}_@])/gu;

// What may separate two tokens of one name: a space, optionally with nobiliary particles.
const NAME_GAP = /^(?: (?:de|da|di|del|della|van|von|der|den|du|des|dos|das|le|la|ter|ten|bin|ibn|al|el|zu|y|Ó|Ní|Nic|Uí|Mac|bint|abu))* $/;

/** Question and auxiliary words that start sentences; some are first names somewhere ("Does Johnson & Johnson ...?"). */
const SENTENCE_WORDS = new Set(
  'does do did is are was were can could would should may might must has have had shall what when where who why how which whose please tell show give let make send ask write'.split(' '),
);

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
    'whisky whiskey wine beer vodka gin rum ' +
    'gare bahnhof hauptbahnhof stazione estación estacion estação estacao dworzec aeroporto aéroport aeropuerto flughafen lotnisko ' +
    'airport metro subway tube line terminal plaza mall market quarter district perfume fragrance collection edition model series').split(' '),
);

/** Capitalised words that introduce a name: titles, greetings, German relation nouns, labels. */
const LEAD_WORDS = new Set(
  ('mr mrs ms miss mx dr prof sir madam sig signor signora signorina dott avv ing frau herr mme mlle monsieur madame mademoiselle ' +
    'maître señor señora señorita sr sra srta don doña hi hello hey dear ciao caro cara gentile salve salut bonjour bonsoir cher chère ' +
    'hallo liebe lieber hola querido querida estimado estimada thanks cheers grazie merci danke gracias ' +
    'kollege kollegin nachbar nachbarin freund freundin chef chefin bruder schwester vater mutter mann sohn tochter onkel tante ' +
    'vermieter vermieterin mieter mieterin kunde kundin anwalt anwältin arzt ärztin chefe contact contatto kontakt titular attn ' +
    'name nome nom nombre buyer seller owner tenant landlord neighbor neighbour colleague friend boss manager coach ' +
    'olá ola oi prezado prezada senhor senhora dona hoi beste geachte heer mevrouw meneer dhr mevr mw ' +
    'cześć czesc witam witaj szanowny szanowna szanowni pan pani panie panu panem pana panią drogi droga').split(' '),
);

const GREETING_WORDS =
  'olá|ola|oi|prezad[oa]|senhor|senhora|sr\\.?|sra\\.?|dona|obrigad[oa]|hoi|beste|geachte|heer|mevrouw|meneer|dhr|mevr|mw|cześć|czesc|witam|witaj|dzień dobry|szanown[yai]|drog[ia]|pan|pani|panie|panu|panem|pana|panią|dziękuję|dzięki|hi|hello|hey|dear|ciao|caro|cara|gentile|gentilissim[oa]|salve|salut|bonjour|bonsoir|cher|chère|hallo|liebe|lieber|sehr geehrter?|hola|querid[oa]|estimad[oa]|mr|mrs|ms|miss|mx|dr|prof|sir|madam|sig|sig\\.ra|sigg?\\.|signor|signora|signorina|dott|dott\\.ssa|avv|ing|frau|herr|m|mme|mlle|monsieur|madame|mademoiselle|maître|sr|sra|srta|señor|señora|señorita|don|doña|thanks|thank you|cheers|grazie|merci|danke|gracias|attn';
/** Words of e-mail headers and addressing ("to", "from", "for"): a cue for full names, and for lone known first names. */
const HEADER_WORDS = 'to|from|cc|for';
const INTRODUCTION_WORDS =
  "my name is|my name's|i am|i'm|im|this is|it's|its|call me|name:|mi chiamo|il mio nome è|sono|je m['’]appelle|je suis|mon nom est|moi c['’]est|ich heiße|ich heisse|ich bin|mein name ist|me llamo|mi nombre es|soy|sou|sou o|sou a|eu sou|meu nome é|me chamo|chamo-me|ik ben|ik heet|mijn naam is|jestem|nazywam się|mam na imię|to ja";
const RELATION_NOUNS =
  'neighbou?r|colleague|co-?worker|coworker|friend|boss|manager|landlord|landlady|tenant|roommate|flatmate|wife|husband|partner|fiancée?|son|daughter|brother|sister|mom|mum|mother|dad|father|aunt|uncle|cousin|niece|nephew|grandma|grandmother|grandpa|grandfather|grandson|granddaughter|boyfriend|girlfriend|coach|teacher|tutor|doctor|dentist|therapist|lawyer|attorney|accountant|babysitter|nanny|client|customer|student|employee|hire|assistant|contractor|plumber|electrician|realtor|agent|supervisor|mentor|buyer|seller|owner|guest|patient|kid|child|stepson|stepdaughter|ex|midwife|nurse|caregiver|carer|housekeeper|cleaner|gardener|driver|mechanic|vet|pediatrician|paediatrician|physio|physiotherapist|trainer|instructor|professor|principal|headteacher|pastor|priest|classmate|housemate|spouse|fiance|stepmother|stepfather|stepmom|stepdad|godmother|godfather|grandchild|mother-in-law|father-in-law|sister-in-law|brother-in-law|son-in-law|daughter-in-law|recruiter|interviewer|intern|referee|notary|broker|banker|advisor|adviser|consultant|photographer|caterer|planner|neighbours|neighbors|parents|kids|children|friends|colleagues';
const RELATION_NOUNS_OTHER_LANGS =
  'vicin[oa]|collega|amic[oa]|capo|fratello|sorella|padre|madre|papà|mamma|marito|moglie|figli[oa]|zi[oa]|cugin[oa]|nonn[oa]|commercialista|avvocato|medico|dottore|proprietari[oa]|inquilin[oa]|cliente|voisin|voisine|collègue|ami|amie|patron|patronne|frère|sœur|soeur|père|mère|mari|femme|fils|fille|oncle|tante|propriétaire|locataire|client|avocat|médecin|nachbar|nachbarin|kollege|kollegin|freund|freundin|chef|chefin|bruder|schwester|vater|mutter|mann|sohn|tochter|onkel|vermieter|vermieterin|mieter|mieterin|kunde|kundin|anwalt|arzt|ärztin|vecin[oa]|compañer[oa]|amig[oa]|jef[ea]|herman[oa]|marido|esposa|espos[oa]|hij[oa]|tí[oa]|prim[oa]|abuel[oa]|casero|casera|abogad[oa]|médico|suegr[oa]|novi[oa]|suocer[oa]|fidanzat[oa]|belle-mère|beau-père|belle-sœur|beau-frère|schwiegermutter|schwiegervater|chefe|cognat[oa]|cuñad[oa]|infermier[ea]|ostetrica|badante|tata|maestr[oa]|professor[ea]|insegnante|allenatore|idraulico|elettricista|inquilini|vicini|colleghi|amici|sage-femme|infirmière|infirmier|nounou|professeur|prof|coiffeur|coiffeuse|plombier|garagiste|pédiatre|dentiste|notaire|enfermer[oa]|niñera|profesor[a]?|entrenador[a]?|fontanero|dentista|pediatra|notario|abogado|contable|gestor[a]?|vecinos|amigos|compañeros|vizinh[oa]|colega|chefe|irmã|irmão|pai|mãe|mulher|filh[oa]|av[óô]|sogr[oa]|namorad[oa]|senhorio|senhoria|advogad[oa]|médic[oa]|buurman|buurvrouw|collega|vriend|vriendin|baas|broer|zus|zuster|vader|moeder|man|vrouw|zoon|dochter|oom|neef|nicht|opa|oma|huisbaas|verhuurder|advocaat|dokter|huisarts|leraar|lerares|klant|sąsiad|sąsiadka|sasiad|kolega|koleżanka|przyjaciel|przyjaciółka|szef|szefowa|brat|siostra|ojciec|matka|mama|tata|mąż|żona|syn|córka|wujek|ciocia|babcia|dziadek|teściowa|teść|chłopak|dziewczyna|właściciel|właścicielka|prawnik|lekarz|lekarka|nauczyciel|nauczycielka|klientka';
const SIGN_OFF_WORDS =
  'cumprimentos|atenciosamente|abraços|abraço|beijos|met vriendelijke groet|vriendelijke groet|hartelijke groet|groeten|groetjes|groet|pozdrawiam|z poważaniem|serdecznie pozdrawiam|pozdrowienia|thanks|thank you|many thanks|cheers|best|regards|best regards|kind regards|warm regards|sincerely|yours|yours truly|love|xoxo|grazie|saluti|cordiali saluti|un saluto|a presto|merci|cordialement|bien à vous|bien cordialement|amitiés|bises|danke|viele grüße|liebe grüße|beste grüße|mit freundlichen grüßen|lg|vg|gracias|saludos|un saludo|atentamente|abrazos';

const GREETING_OR_TITLE = new RegExp(`(?:^|[\\s"'(«“])(?:${GREETING_WORDS})\\.?,?\\s*$`, 'i');
const HEADER_BEFORE = new RegExp(`(?:^|[\\s"'(«“])(?:${HEADER_WORDS}):?\\s*$`, 'i');
const INTRODUCTION = new RegExp(`(?:^|[^\\p{L}'’])(?:${INTRODUCTION_WORDS})\\s*$`, 'iu');
const RELATION = new RegExp(
  `(?:^|[^\\p{L}])(?:my|our|his|her|their|your|the)\\s+(?:new\\s+|old\\s+|former\\s+|dear\\s+|best\\s+|late\\s+)?(?:${RELATION_NOUNS})\\s*,?\\s*$`,
  'iu',
);
const RELATION_OTHER_LANGS = new RegExp(
  `(?:^|[^\\p{L}])(?:mio|mia|il mio|la mia|al mio|alla mia|del mio|della mia|mon|ma|mes|notre|mein|meine|meinem|meiner|meinen|unser|unsere|mi|mis|nuestro|nuestra|meu|minha|o meu|a minha|nosso|nossa|mijn|onze|ons|mój|moja|moje|mojego|mojej|mojemu|moim|moją|nasz|nasza|naszego|naszej)\\s+(?:nuovo\\s+|nuova\\s+)?(?:${RELATION_NOUNS_OTHER_LANGS})\\s*,?\\s*$`,
  'iu',
);
const LABEL = /(?:^|[^\p{L}])(?:(?:first|last|given|family|full|display|middle|contact|customer|sender|recipient|user|account|card|holder)[ _-]?name|surname|cognome|prénom|prenom|apellidos?|nazwisko|imię|imie|voornaam|achternaam|sobrenome|naam|name|full name|contact|contatto|nome|nom|nombre|titular|vorname|nachname|kontakt|ansprechpartner|attn|attention|from|to|cc|buyer|seller|owner|tenant|guest|patient|passenger|recipient|sender|signed|firma|signature|employee|customer|client|author)\s*["']?\s*[:=]\s*["']?\s*$/iu;

/** Expands a small alternation ("neighbou?r|vicin[oa]|sig\\.ra") into the words it matches. */
function expandAlternation(source: string): string[] {
  const results: string[] = [];
  for (const alternative of source.split('|')) {
    let variants = [''];
    const s = alternative.replace(/\\\./g, '.');
    for (let i = 0; i < s.length; i++) {
      let options: string[];
      if (s[i] === '[') {
        const close = s.indexOf(']', i);
        options = [...s.slice(i + 1, close)];
        i = close;
      } else {
        options = [s[i] ?? ''];
      }
      if (s[i + 1] === '?') {
        options.push('');
        i++;
      }
      variants = variants.flatMap((v) => options.map((o) => v + o));
    }
    results.push(...variants);
  }
  return results;
}

/**
 * Last words of every strong cue. A run whose preceding word is not one of these (and that has no
 * ':' '=' or line break before it) cannot match any strong-cue regex, so those regexes are skipped.
 */
// Which kind of cue a tail word can end: only the regexes of that kind are tried.
const CUE_PUNCT = 1;
const CUE_GREETING = 2;
const CUE_INTRODUCTION = 4;
const CUE_RELATION = 8;
const CUE_SIGN_OFF = 16;
const CUE_HEADER = 32;

const CUE_TAIL_WORDS: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  const add = (source: string, kind: number): void => {
    for (const phrase of expandAlternation(source)) {
      const tail = phrase.slice(phrase.lastIndexOf(' ') + 1).toLowerCase();
      map.set(tail, (map.get(tail) ?? 0) | kind);
    }
  };
  add(GREETING_WORDS, CUE_GREETING);
  add(INTRODUCTION_WORDS, CUE_INTRODUCTION);
  add(RELATION_NOUNS, CUE_RELATION);
  add(RELATION_NOUNS_OTHER_LANGS, CUE_RELATION);
  add(SIGN_OFF_WORDS, CUE_SIGN_OFF);
  add(HEADER_WORDS, CUE_HEADER);
  return map;
})();

/** The kinds of strong cue that may end right before `start` (CUE_* bits; 0: none can). */
function mayHaveStrongCue(text: string, start: number): number {
  let i = start;
  const floor = Math.max(0, start - 8);
  while (i > floor) {
    const c = text.charCodeAt(i - 1);
    if (c === 10 || c === 58 || c === 61 || c === 45 || c === 0x2013 || c === 0x2014) return CUE_PUNCT | CUE_SIGN_OFF; // \n : = - – —
    if (c === 32 || c === 9 || c === 13 || c === 44 || c === 34 || c === 39 || c === 40 || c === 0xab || c === 0x201c) i--;
    else break;
  }
  let j = i;
  const wordFloor = Math.max(0, i - 24);
  while (j > wordFloor && isWordCharCode(text.charCodeAt(j - 1), 46)) j--;
  if (j === i) return 0;
  let word = text.slice(j, i).toLowerCase().replace(/’/g, "'");
  let kinds = CUE_TAIL_WORDS.get(word) ?? 0;
  if (kinds) return kinds;
  while (word.endsWith('.')) word = word.slice(0, -1);
  kinds = CUE_TAIL_WORDS.get(word) ?? 0;
  if (kinds) return kinds;
  const dot = word.lastIndexOf('.');
  return dot === -1 ? 0 : (CUE_TAIL_WORDS.get(word.slice(dot + 1)) ?? 0);
}

const WEAK_CUE_BEFORE =
  /(?:\b(?:to|with|from|for|by|and|named|call|text|email|e-mail|ask|tell|invite|meet|message|contact|thank|remind|cc|per|a|à|an|mit|für|von|con|para|de|chez|pour|avec|und|et|e|y)\s*$)|(?:^|\n)\s*$/i;
const PUBLIC_CUE_BEFORE =
  /(?:who (?:was|is|were)|chi (?:era|è|fu)|qui (?:était|est|fut)|wer (?:war|ist)|quién (?:fue|era|es)|quotes? (?:by|from)|books? by|novels? by|poems? by|songs? by|works? (?:by|of)|biography of|life of|paintings? by|theory of|according to|written by|directed by|composed by|painted by)\s*$/i;
const SIGNATURE_BEFORE = new RegExp(
  `(?:(?:thanks|thank you|cheers|regards|sincerely|yours|love|grazie|saluti|merci|cordialement|amitiés|danke|grüße|gracias|saludos|atentamente|abrazos|cumprimentos|atenciosamente|groet|groeten|pozdrawiam|poważaniem)[^\\n]{0,40}\\n\\s*$)|(?:${SIGN_OFF_WORDS}|-|—|–)[,!.]?\\s*\\n?\\s*$`,
  'i',
);

/** Sentence starts that ask about something (not a writing task about one's own contacts). */
const QUESTION_START =
  /^[\s"'«“¿¡*(-]*(?:who|whom|whose|what|why|when|where|which|how|was|is|did|were|does|do|are|has|had|chi|che|cosa|perché|perche|qual[ei]?|quando|dove|come|quant[oiae]|era|è|fu|qui|que|quoi|quel|quelle|quels|quelles|pourquoi|quand|où|comment|combien|est-ce|wer|warum|wann|wo|wie|welche[rsnm]?|ist|hat|hatte|war|sind|quién|quien|quiénes|qué|por qué|porque|cuál|cual|cuándo|dónde|cómo|cuánt[oa]s?|fue|es|kto|kim|co|czy|dlaczego|jak|gdzie|kiedy|ile|który|która|które|wie|wat|waarom|wanneer|waar|hoe|welke|wat is|quem|quando|onde|porquê|por que|qual|quais|foi|era)(?![\p{L}])/iu;
/** English "I" (case-sensitive: Polish and Catalan "i" is "and"). */
const PERSONAL_I = /(?<![\p{L}])I(?![\p{L}])/u;
/** First/second person or relation words that make a sentence about the writer's own life. */
const PERSONAL_MARKER =
  /(?<![\p{L}])(?:i (?:am|was|have|had|need|want|met|know|think|can|will|would|live)|i'm|i've|i'd|me|my|mine|we|our|us|your|mio|mia|miei|mie|mi|io|noi|nostr[oaie]|ho|sono|je|j['’]\p{L}*|moi|mon|ma|mes|nous|notre|nos|ich|mich|mir|mein\p{L}*|wir|uns|unser\p{L}*|yo|mis|nuestr[oa]s?|tengo|soy|eu|meu|minha|nós|ik|mijn|wij|ons|onze|ja|mój|moja|mnie|mi|nasz|nasza|friend|colleague|neighbou?r|boss|client|customer|landlord|tenant|wife|husband|son|daughter|mom|mum|dad|brother|sister)(?![\p{L}])/iu;

function lower(token: string): string {
  return token.toLowerCase();
}

const NAME_BITS = IS_FIRST | IS_SURNAME | IS_ANY_NAME;

// Polish declines names: "z Markiem Wiśniewskim", "do Anny Nowakowskiej", "Pani Agnieszce". These
// endings map an inflected form back to the forms the lexicons hold (tried in order).
const POLISH_ENDINGS: readonly [string, readonly string[]][] = [
  ['skiego', ['ski']], ['skiemu', ['ski']], ['skim', ['ski', 'ska']], ['ską', ['ska']], ['skiej', ['ska']],
  ['ckiego', ['cki']], ['ckiemu', ['cki']], ['ckim', ['cki', 'cka']], ['cką', ['cka']], ['ckiej', ['cka']],
  ['dzkiego', ['dzki']], ['dzkim', ['dzki']], ['iem', ['', 'ek']], ['em', ['']], ['owi', ['']], ['ie', ['a', '']],
  ['ce', ['ka']], ['dze', ['ga']], ['rze', ['ra', 'r']], ['cie', ['ta']], ['ę', ['a']], ['ą', ['a']], ['y', ['a']],
  ['i', ['ia', 'a']], ['o', ['a']], ['u', ['']], ['a', ['', 'ek']],
];

/** Lexicon flags of a token, also for Polish case forms of names the lexicons know. */
function nameFlags(key: string, polish: boolean): number {
  const flags = wordFlags(key);
  if (!polish || flags & (NAME_BITS | IS_COMMON) || key.length < 4) return flags;
  for (const [ending, bases] of POLISH_ENDINGS) {
    if (!key.endsWith(ending)) continue;
    const stem = key.slice(0, key.length - ending.length);
    if (stem.length < 3) continue;
    for (const base of bases) {
      const f = wordFlags(stem + base);
      if (f & NAME_BITS && !(f & IS_COMMON)) return f & NAME_BITS;
    }
  }
  return flags;
}

// A verb of contact right before a lone capitalised name: "ask Will if ...", "Text Rose that ...".
const CONTACT_VERB_BEFORE =
  /(?:^|[^\p{L}])(?:ask|tell|text|call|email|e-mail|ping|remind|invite|thank|meet|message|cc|dm|ring|pay|assign(?:ed)? (?:it )?to|chiedi a|scrivi a|chiama|di' a|demande à|appelle|écris à|frag|sag|schreib|ruf|pregunta a|llama a|escribe a|dile a|pergunta a|liga para|liga à|vraag|bel|zapytaj|zadzwoń do|napisz do)\s+$/iu;
// Weaker: prepositions and conjunctions; counts only for names that are not also words.
const WEAK_VERB_BEFORE = /(?:^|[^\p{L}])(?:with|from|and|or|to|for|con|avec|mit|und|et|e|y|ou|en|i|z|ze|dla|od)\s+$/iu;
// A verb of speech or action right after: "what Dmitri said", "Priya wants ...".
const SPEECH_VERB_AFTER =
  /^\s+(?:said|says|told|asked|wants|wanted|wrote|writes|mentioned|replied|thinks|thought|called|emailed|texted|sent|suggested|agreed|needs|needed|promised|is coming|sagt|meinte|hat gesagt|dice|ha detto|dit|a dit|dijo|disse|zei|powiedział|powiedziała|napisał|napisała)(?![\p{L}])/iu;

/** A lone name mid-sentence with a verb of contact before it (or, `weakToo`, a preposition, or speech after). */
function verbCue(text: string, start: number, end: number, weakToo: boolean): boolean {
  // Mid-sentence: a space, and a letter or comma before it (not a sentence end or line start).
  if (start < 2 || text.charCodeAt(start - 1) !== 32) return false;
  const previous = text.charAt(start - 2);
  if (previous !== ',' && previous.toLowerCase() === previous.toUpperCase()) return false;
  const before = text.slice(Math.max(0, start - 24), start);
  if (CONTACT_VERB_BEFORE.test(before)) return true;
  if (!weakToo) return false;
  return SPEECH_VERB_AFTER.test(text.slice(end, end + 24)) || (WEAK_VERB_BEFORE.test(before) && /^\s*(?:[,.!?;:)]|(?:and|or|i|y|e|et|und|en|oder|ou|o|lub|albo)\s|$)/.test(text.slice(end, end + 7)));
}

/** The word after the run names a place or thing: "Regent's Park", "Kennedy Airport", "Ford Mustang". */
const WORD_AFTER = /^(?:['’]s)? (\p{L}+)/u;
const THE_BEFORE = /(?:^|[^\p{L}])the\s+$/iu;

function firstScoreOf(key: string, flags: number): number {
  if (flags & IS_FIRST) return 2;
  if (flags & IS_ANY_NAME) return 1;
  const hyphen = key.indexOf('-');
  if (hyphen > 0) {
    const head = wordFlags(key.slice(0, hyphen));
    if (head & IS_FIRST) return 2; // Jean-Luc, Anne-Marie
    if (head & IS_ANY_NAME) return 1; // Wen-Li
  }
  return 0;
}

function lastScoreOf(key: string, flags: number): number {
  if (flags & IS_SURNAME) return 2;
  if (key.includes('-')) {
    for (const part of key.split('-')) if (wordFlags(part) & (IS_SURNAME | IS_ANY_NAME)) return 2; // Whitfield-Kane
  }
  if (flags & (IS_ANY_NAME | IS_FIRST)) return 1.5;
  return flags & IS_COMMON || key.length < 2 ? 0 : 1; // an unknown, non-dictionary word
}

function isPublicTitle(phrase: string, whole: boolean): boolean {
  let key = phrase.toLowerCase();
  if (key.includes('’')) key = key.replace(/’/g, "'");
  if (PUBLIC_TITLES.has(key)) return true;
  const folded = foldKey(key);
  if (folded !== key && PUBLIC_TITLES.has(folded)) return true;
  if (!whole) return false;
  // "Charles Schwab Corporation", "Johnnie Walker (whisky)" style entries name a company or brand.
  for (const suffix of [' corporation', ' company', ' inc.', ' & co.', ' (company)', ' group', ' foundation', ' jr.']) {
    if (PUBLIC_TITLES.has(folded + suffix)) return true;
  }
  return false;
}

const TITLE_BEFORE = /(?:^|[^\p{L}])(\p{Lu}\p{Ll}{1,3}\.? )$/u;

/**
 * Longest public title (Wikipedia title or known entity) inside the run, as token indexes
 * [from, to], tried on the text itself so particles and possessives count: "Charles de Gaulle",
 * "Leonardo da Vinci's", "Dr. Oetker", "Martin Luther King Jr.". Only phrases whose first word
 * starts some title are looked up.
 */
function publicPart(text: string, run: Run, flags: readonly number[]): [number, number] | null {
  const n = run.tokens.length;
  for (let len = n; len >= 1; len--) {
    for (let from = 0; from + len <= n; from++) {
      const f = flags[from] ?? 0;
      const to = from + len - 1;
      const start = run.starts[from] ?? 0;
      const end = run.ends[to] ?? 0;
      if (from === 0 && len === n && start >= 2) {
        const title = TITLE_BEFORE.exec(text.slice(Math.max(0, start - 6), start));
        if (title && isPublicTitle(title[1] + text.slice(start, end), true)) return [from, to];
      }
      const after = text.slice(end, end + 2);
      // Possessive brands ("Jack Daniel's", "Macy's") are titles with the 's.
      const possessive = after === "'s" || after === '’s';
      const mayBeTitle = len === 1 ? (f & IS_TITLE) !== 0 : (f & IS_TITLE_HEAD) !== 0;
      if (!mayBeTitle && !possessive) continue;
      const phrase = text.slice(start, end);
      if (mayBeTitle && isPublicTitle(phrase, from === 0 && to === n - 1)) return [from, to];
      if (possessive && isPublicTitle(phrase + "'s", false)) return [from, to];
    }
  }
  return null;
}

interface Run {
  tokens: string[];
  starts: number[];
  ends: number[];
}

interface Context {
  text: string;
  contacts: readonly Span[];
  /** Local parts of the e-mail addresses in the text, folded to ASCII lower case. */
  emailLocals: string[];
  /** Multi-word runs that scored just below the bar; kept when they sit in a list of names. */
  borderline: Span[];
  /** Persons found in this text (to check list neighbours). */
  found: Span[];
  /** The text may be Polish (its letters or function words): case forms of names are looked up. Set on first need. */
  polish: boolean | undefined;
}

const POLISH_HINT = /[ąćęłńśźżĄĆĘŁŃŚŹŻ]|(?<![a-zA-Z])(?:z|ze|dla|pani|Pani|pan|Pan|panem|panu|jest|oraz|proszę)(?![a-zA-Z])/;

// What separates items of a list: commas, "and" in five languages, bullets, line breaks.
const LIST_GAP = /^(?:\s*(?:,|;|\/|&|·|\||and|und|et|e|y|o|or|oder|ou)\s*)+$|^\s*\n\s*(?:[-*•]\s*|\d+[.)]\s*)?$/;

/** Index of the first span in `sorted` (by start) that starts at or after `pos`. */
function firstAtOrAfter(sorted: readonly Span[], pos: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid]?.start ?? 0) < pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `found` sorted by start; only the spans next to the candidate are looked at (no scan of all). */
function inNameList(text: string, candidate: Span, found: readonly Span[]): boolean {
  const next = firstAtOrAfter(found, candidate.end);
  const f = found[next];
  if (f && f.start - candidate.end <= 12 && LIST_GAP.test(text.slice(candidate.end, f.start))) return true;
  for (let i = Math.min(next, found.length) - 1; i >= 0 && i >= next - 4; i--) {
    const g = found[i]!;
    if (g.end <= candidate.start && candidate.start - g.end <= 12 && LIST_GAP.test(text.slice(g.end, candidate.start))) return true;
  }
  // Line-structured lists ("Name, Role, Email" per line): the previous or next line starts with a name.
  if (!atLineStart(text, candidate.start)) return false;
  const lineStart = candidate.start;
  const prevLineStart = text.lastIndexOf('\n', lineStart - 2) + 1;
  const nextLineBreak = text.indexOf('\n', candidate.end);
  const nextLineStart = nextLineBreak === -1 ? -1 : nextLineBreak + 1;
  const startsAt = (pos: number): boolean => found[firstAtOrAfter(found, pos)]?.start === pos;
  if (lineStart > 0 && startsAt(firstNonSpace(text, prevLineStart))) return true;
  return nextLineStart > 0 && startsAt(firstNonSpace(text, nextLineStart));
}

function atLineStart(text: string, pos: number): boolean {
  let i = pos;
  while (i > 0 && (text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 9)) i--;
  const c = text.charAt(i - 1);
  return i === 0 || c === '\n' || /[-*•]/.test(c);
}

function firstNonSpace(text: string, pos: number): number {
  let i = pos;
  while (i < text.length && /[\s\-*•]/.test(text.charAt(i)) && text.charAt(i) !== '\n') i++;
  return i;
}

/**
 * 0: no cue; 0.5: possessive + noun ("our midwife"); 1: greeting, title, signature;
 * 2: introduction, relation or label (a private person).
 */
const POSSESSIVES: ReadonlySet<string> = new Set(
  'my our his her their your mio mia miei mie nostro nostra mon ma mes notre nos mein meine meinem meiner meinen unser unsere unserem unserer mi mis nuestro nuestra'.split(' '),
);

/**
 * "our midwife, Ebele Nwachukwu", "mon garagiste Luc Perrin": a possessive and one or two
 * lower-case words right before the run. Weaker than a known relation (public titles still win).
 */
function possessiveNounBefore(text: string, start: number): boolean {
  let i = start;
  const floor = Math.max(0, start - 40);
  while (i > floor && (text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 44)) i--;
  for (let words = 0; words < 3 && i > floor; words++) {
    let j = i;
    while (j > floor && isWordCharCode(text.charCodeAt(j - 1), 45)) j--;
    if (j === i) return false;
    const word = text.slice(j, i);
    const key = word.toLowerCase();
    if (words === 0 && (key !== word || NOT_NOUNS.has(key))) return false; // "my Tesla", "my new Tesla"
    if (words > 0 && POSSESSIVES.has(key)) return true;
    if (words === 0 && POSSESSIVES.has(key)) return false;
    if (j === 0 || text.charCodeAt(j - 1) !== 32) return false;
    i = j - 1;
  }
  return false;
}

/** Adjectives that sit between a possessive and a thing ("my new Tesla Model 3"). */
const NOT_NOUNS: ReadonlySet<string> = new Set(
  ('new old favourite favorite first last own current next little big best usual latest previous beloved whole entire ' +
    'nuovo nuova vecchio vecchia ultimo ultima primo prima nouveau nouvelle vieux vieille ancien ancienne dernier dernière premier première ' +
    'neue neuer neues alte alter letzte erste nuevo nueva viejo vieja último última primer primera').split(' '),
);

/** Cue strength of "our midwife, X": counts for multi-word names, and for one known first name. */
const POSSESSIVE_CUE = 0.5;
/** Cue strength of "to X", "from X", "for X": the same, so "from Langfuse" is not a person. */
const HEADER_CUE = 0.75;

function strongCueBefore(text: string, start: number, end: number): number {
  const kinds = mayHaveStrongCue(text, start);
  if (kinds === 0) return possessiveNounBefore(text, start) ? POSSESSIVE_CUE : 0;
  const before = text.slice(Math.max(0, start - 48), start);
  if (kinds & CUE_INTRODUCTION && INTRODUCTION.test(before)) return 2;
  if (kinds & CUE_RELATION && (RELATION.test(before) || RELATION_OTHER_LANGS.test(before))) return 2;
  if (kinds & CUE_PUNCT && LABEL.test(before)) return 2;
  if (kinds & CUE_GREETING && GREETING_OR_TITLE.test(before)) return 1;
  if (kinds & CUE_HEADER && HEADER_BEFORE.test(before)) return HEADER_CUE;
  return kinds & (CUE_SIGN_OFF | CUE_PUNCT) && SIGNATURE_BEFORE.test(before) && /^\s*(?:\n|$)/.test(text.slice(end, end + 2)) ? 1 : 0;
}

/** The run sits in a question about something, with no first-person words and no contact data. */
function impersonalQuestion(ctx: Context, start: number, end: number): boolean {
  if (ctx.contacts.length > 0) return false;
  const text = ctx.text;
  let from = start;
  const floor = Math.max(0, start - 300);
  while (from > floor) {
    const c = text.charCodeAt(from - 1);
    if (c === 10 || c === 46 || c === 63 || c === 33 || c === 58) break; // \n . ? ! :
    from--;
  }
  let to = end;
  const ceiling = Math.min(text.length, end + 300);
  while (to < ceiling) {
    const c = text.charCodeAt(to);
    if (c === 10 || c === 63 || c === 33) break;
    if (c === 46 && (to + 1 >= text.length || text.charCodeAt(to + 1) === 32 || text.charCodeAt(to + 1) === 10)) break;
    to++;
  }
  const clause = text.slice(from, start);
  if (!QUESTION_START.test(clause) && !QUESTION_START.test(clause.slice(clause.lastIndexOf(',') + 1))) return false;
  const sentence = text.slice(from, to);
  return !PERSONAL_MARKER.test(sentence) && !PERSONAL_I.test(sentence);
}

function nameInEmail(ctx: Context, tokens: readonly string[]): boolean {
  if (ctx.emailLocals.length === 0) return false;
  for (const token of tokens) {
    const key = foldKey(lower(token));
    if (key.length < 3) continue;
    for (const local of ctx.emailLocals) if (local.includes(key)) return true;
  }
  return false;
}

function judgeRun(ctx: Context, run: Run, depth = 0): void {
  const text = ctx.text;
  const n = run.tokens.length;
  // A lone capitalised word is a name only after a cue: most are sentence starts, decided here
  // without a lexicon lookup (the lexicon maps are large and slow to probe).
  if (n === 1) {
    const start = run.starts[0] ?? 0;
    if (mayHaveStrongCue(text, start) === 0 && !possessiveNounBefore(text, start) && !nameInEmail(ctx, run.tokens) && !verbCue(text, start, run.ends[0] ?? start, true)) return;
  }
  const keys: string[] = new Array<string>(n);
  const flags: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const key = lower(run.tokens[i] ?? '');
    keys[i] = key;
    flags[i] = nameFlags(key, (ctx.polish ??= POLISH_HINT.test(text)));
  }
  let first = 0;
  // "Podziękuj Pani Agnieszce", "Bitte Frau Lindqvist": a title inside the run starts the name;
  // the words before it (verbs at the sentence start, unknown to the word lists) are context.
  for (let i = n - 2; i >= 1; i--) {
    if (LEAD_WORDS.has(keys[i] ?? '')) {
      first = i;
      break;
    }
  }
  // Leading sentence words ("Please", "Write", "Hi", "Text") are context, not part of a name.
  while (first < n) {
    const key = keys[first] ?? '';
    const f = flags[first] ?? 0;
    if (NOT_PERSON_WORDS.has(key) && first === 0 && n > 1) return; // "Mount Fuji", "San Francisco"
    if (LEAD_WORDS.has(key)) {
      first++;
      continue;
    }
    if (f & IS_COMMON) {
      const nameLike = (f & (IS_FIRST | IS_ANY_NAME)) !== 0;
      // "Li Na Huang", "Will Turner": a common word that is also a name stays when a surname
      // follows or a strong cue ("I'm", "my colleague") stands right before it.
      if (nameLike && first + 1 < n && ((flags[first + 1] ?? 0) & IS_SURNAME) !== 0 && !SENTENCE_WORDS.has(key)) break;
      if (nameLike && first + 1 < n && strongCueBefore(text, run.starts[first] ?? 0, run.ends[n - 1] ?? 0) > 0) break;
      // A lone first name that is also a word ("my sister Joy", "ask Will if"): a relation,
      // an introduction or a verb of contact right before it.
      if (first === n - 1 && f & IS_FIRST) {
        const at = run.starts[first] ?? 0;
        if (strongCueBefore(text, at, run.ends[first] ?? at) === 2 || verbCue(text, at, run.ends[first] ?? at, false)) break;
      }
      first++;
      continue;
    }
    break;
  }
  if (first >= n) return;
  const count = n - first;
  if (count > 4) return; // title-cased headings, not names
  for (let i = first; i < n; i++) if (NOT_PERSON_WORDS.has(keys[i] ?? '')) return;

  const start = run.starts[first] ?? 0;
  const end = run.ends[n - 1] ?? start;
  const headKey = keys[first] ?? '';
  const headFlags = flags[first] ?? 0;
  const tailKey = keys[n - 1] ?? '';
  const tailFlags = flags[n - 1] ?? 0;
  // Lexicon score first: most runs (sentence-initial words) are decided without looking at context.
  let score: number;
  const wordAfter = WORD_AFTER.exec(text.slice(end, end + 24));
  if (wordAfter && NOT_PERSON_WORDS.has((wordAfter[1] ?? '').toLowerCase())) return;
  if (count === 1) {
    if (headFlags & IS_COMMON && !(headFlags & IS_FIRST)) return;
    score = Math.max(firstScoreOf(headKey, headFlags), lastScoreOf(headKey, headFlags));
    if (score < 1) return;
  } else {
    score = firstScoreOf(headKey, headFlags) + lastScoreOf(tailKey, tailFlags);
    // Family name first ("Tanaka Hiroshi", "Nguyen An").
    if (count === 2 && headFlags & IS_SURNAME) score = Math.max(score, 2 + firstScoreOf(tailKey, tailFlags));
    if (headFlags & IS_COMMON) score -= 1;
    if (tailFlags & IS_COMMON) score -= 1;
    for (let i = first + 1; i < n - 1; i++) {
      const f = flags[i] ?? 0;
      if (f & IS_COMMON && firstScoreOf(keys[i] ?? '', f) === 0) score -= 1;
    }
    if (score < 1) return;
  }

  const before = text.slice(Math.max(0, start - 48), start);
  const tokens = first === 0 ? run.tokens : run.tokens.slice(first);
  let cue = nameInEmail(ctx, tokens) ? 2 : strongCueBefore(text, start, end);
  if (cue < 2 && THE_BEFORE.test(before)) return; // "the Marie Claire perfume", "the Ford Mustang"
  if (count === 1) {
    // "Text Rose ...": you text a private person (even one whose name is a public title).
    if (cue === 0 && headFlags & IS_FIRST) cue = verbCue(text, start, end, false) ? 2 : verbCue(text, start, end, (headFlags & IS_COMMON) === 0) ? 1 : 0;
    if (cue === 0 || ((cue === POSSESSIVE_CUE || cue === HEADER_CUE) && (headFlags & IS_FIRST) === 0)) return; // "my app Duolingo"
    if (headFlags & IS_COMMON && cue < 2 && !verbCue(text, start, end, false)) return;
    if (cue === 1 && impersonalQuestion(ctx, start, end)) return; // "why does Mr Darcy ...?"
  } else {
    if (cue > 0) score += 2;
    else if (impersonalQuestion(ctx, start, end)) return; // "Who painted ..., X or Y?"
    else if (WEAK_CUE_BEFORE.test(before) || nearbyContact(ctx, end)) score += 1;
    if (score < 3) {
      // Two-word names of unknown origin: accepted later if they sit in a list of names.
      if (score >= 1 && depth === 0 && count <= 3) ctx.borderline.push({ start, end, type: 'PERSON' });
      return;
    }
  }
  if (PUBLIC_CUE_BEFORE.test(before)) return;
  // "My neighbour Yusuf Demir" is a private person even when a footballer has the same name.
  if (cue === 2 && depth === 0) {
    ctx.found.push({ start, end, type: 'PERSON' });
    return;
  }
  const part = publicPart(text, run, flags);
  if (part) {
    if (depth > 0) return;
    // Keep the public part; judge what is left on either side on its own ("Pablo Picasso y X").
    const [from, to] = part;
    if (from > first) judgeRun(ctx, slice(run, 0, from), 1);
    if (to + 1 < n) judgeRun(ctx, slice(run, to + 1, n), 1);
    return;
  }
  ctx.found.push({ start, end, type: 'PERSON' });
}

function slice(run: Run, from: number, to: number): Run {
  return { tokens: run.tokens.slice(from, to), starts: run.starts.slice(from, to), ends: run.ends.slice(from, to) };
}

function nearbyContact(ctx: Context, pos: number): boolean {
  for (const s of ctx.contacts) if (s.start >= pos && s.start - pos <= 6) return true;
  return false;
}

// Casual chat: "my friend kwame asante", "i'm giulia rossi", "mi chiamo marco". The words after a
// relation or introduction are names only if the lexicons say so and they are not common words.
// Only words that can start a cue: "il mio" and "o meu" are found from "mio" and "meu".
const LOWER_CASE_POSSESSIVES =
  "my|our|mio|mia|mon|ma|mein|meine|meinem|meiner|mi|nuestro|nuestra|meu|minha|mijn|onze|mój|moja|mojego|mojej|moim|moją";
const LOWER_CASE_INTRODUCTIONS =
  "my name is|name is|i'm|i am|im|it's|its|it is|this is|mi chiamo|sono|je m'appelle|je suis|ich heiße|ich heisse|ich bin|me llamo|soy|me chamo|sou|ik ben|ik heet|jestem|nazywam się|hi|hey|hello|ciao|hola|cześć|czesc|olá|ola|oi|hoi|hallo|salut|bonjour";
const LOWER_CASE_CUE = new RegExp(
  `(?:(?:${LOWER_CASE_POSSESSIVES})\\s+(?:${RELATION_NOUNS}|${RELATION_NOUNS_OTHER_LANGS})|${LOWER_CASE_INTRODUCTIONS})\\s*,?\\s+(\\p{Ll}[\\p{Ll}'-]{1,30})(?:\\s+(\\p{Ll}[\\p{Ll}'-]{1,30}))?`,
  'dyiu',
);
// Where LOWER_CASE_CUE can start: a possessive, introduction or greeting word at a word boundary.
// Matched on the lower-cased text without the i and u flags (much faster; Latin letters only in the look-behind).
const LOWER_CASE_CUE_START = new RegExp(
  `(?<![a-z0-9'\\u00c0-\\u024f])${wordTrie([...new Set(`${LOWER_CASE_POSSESSIVES}|${LOWER_CASE_INTRODUCTIONS}`.split('|'))])}[ ,]`,
  'g',
);

function isPlainLowerCase(word: string): boolean {
  return word === word.toLowerCase();
}

function detectLowerCaseNames(text: string, lower: string, found: Span[]): void {
  for (const at of execAll(LOWER_CASE_CUE_START, lower)) {
    LOWER_CASE_CUE.lastIndex = at.index;
    const m = LOWER_CASE_CUE.exec(text);
    if (m === null) continue;
    const first = m[1] ?? '';
    const second = m[2];
    const firstAt = m.indices?.[1];
    if (!firstAt || !isPlainLowerCase(first)) continue;
    const f1 = wordFlags(first);
    if (f1 & IS_COMMON || (f1 & (IS_FIRST | IS_ANY_NAME)) === 0) continue;
    const start = firstAt[0];
    let end = firstAt[1];
    const secondAt = m.indices?.[2];
    if (second !== undefined && secondAt && isPlainLowerCase(second)) {
      const f2 = wordFlags(second);
      if ((f2 & IS_COMMON) === 0 && f2 & (IS_SURNAME | IS_ANY_NAME | IS_FIRST)) end = secondAt[1];
    }
    if ((f1 & IS_FIRST) === 0 && end === firstAt[1]) continue; // a lone surname-like word is too weak
    if (found.some((s) => s.start < end && start < s.end)) continue;
    found.push({ start, end, type: 'PERSON' });
  }
}

// Names typed in capitals ("CUSTOMER: MARIA KONSTANTINIDOU", "DR. ADAEZE OKAFOR"): 2-4 words in
// capitals, optionally after a title and with particles between. They are judged like title-case
// runs, from the lexicons, so acronyms and shouted sentences ("HTTP API", "NOT FOUND") stay.
const CAPS_RUN =
  /(?<![\p{L}\p{N}_@./-])(?:(?:DEAR|HI|HELLO|DR|MR|MRS|MS|MISS|PROF|HERR|FRAU|SIG|SR|SRA|MME|M)\.? ){0,2}\p{Lu}[\p{Lu}'’-]+(?:\.? (?:(?:VAN|DE|DA|DI|DEL|DOS|DAS|VON|DER|DEN|LA|LE|BIN|AL|EL|TER|TEN) )*\p{Lu}[\p{Lu}'’-]+){1,3}(?![\p{L}\p{N}_@])/gu;
const CAPS_PRECHECK = /\p{Lu}{2}[\p{Lu}'’-]* \p{Lu}{2}/u;
const CAPS_PARTICLE = /^(?:VAN|DE|DA|DI|DEL|DOS|DAS|VON|DER|DEN|LA|LE|BIN|AL|EL|TER|TEN)$/;

function titleCase(word: string): string {
  return word.charAt(0) + word.slice(1).toLowerCase();
}

function detectCapitalisedNames(ctx: Context): void {
  if (!CAPS_PRECHECK.test(ctx.text)) return;
  for (const m of execAll(CAPS_RUN, ctx.text)) {
    const run: Run = { tokens: [], starts: [], ends: [] };
    const word = /[^ ]+/g;
    let w: RegExpExecArray | null;
    while ((w = word.exec(m[0])) !== null) {
      const raw = w[0].replace(/\.$/, '');
      if (run.tokens.length > 0 && CAPS_PARTICLE.test(raw)) continue;
      run.tokens.push(titleCase(raw));
      run.starts.push(m.index + w.index);
      run.ends.push(m.index + w.index + raw.length);
    }
    if (run.tokens.length >= 2) judgeRun(ctx, run);
  }
}

// Japanese names with an honorific: 山田 太郎 様, 佐藤さん. Words for groups of people are not names.
const JAPANESE_HONORIFIC_NAME = /(?<![\p{Script=Han}])(\p{Script=Han}{1,4}(?:[ 　]?\p{Script=Han}{1,3})?)[ 　]?(?:様|さん|さま|殿|先生|氏|くん|ちゃん)/gu;
const NOT_JAPANESE_NAMES = new Set(['顧客', '客', '患者', '皆', '会員', '利用者', '担当者', '担当', '神', '王', '奥', '旦那', '先輩', '後輩', '社長', '部長', '課長']);

function detectJapaneseNames(text: string, found: Span[]): void {
  if (!/[様さ殿先氏くち]/.test(text)) return;
  for (const m of execAll(JAPANESE_HONORIFIC_NAME, text)) {
    const name = m[1] ?? '';
    if (name.replace(/[ 　]/g, '').length < 2 || NOT_JAPANESE_NAMES.has(name)) continue;
    found.push({ start: m.index, end: m.index + name.length, type: 'PERSON' });
  }
}

/**
 * `cjk`: kana and CJK ideographs in `text`; `capsPairs`: places where two words in capitals follow
 * each other, `polish`: Polish letters in it (see textStats); `lower`: `text` lower-cased, same length.
 */
export function detectPersons(
  text: string, out: Span[], contactSpans: readonly Span[], cjk = 1, lower = lowerSameLength(text), capsPairs = 1, polish?: boolean,
): void {
  const emailLocals: string[] = [];
  for (const s of contactSpans) {
    if (s.type !== 'EMAIL') continue;
    const email = text.slice(s.start, s.end);
    emailLocals.push(foldKey(email.slice(0, email.indexOf('@')).toLowerCase()));
  }
  const found: Span[] = [];
  const ctx: Context = { text, contacts: contactSpans, emailLocals, borderline: [], found, polish };
  let run: Run | null = null;
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN.exec(text)) !== null) {
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
      judgeRun(ctx, run);
    }
    run = { tokens: [token], starts: [start], ends: [start + token.length] };
  }
  if (run) judgeRun(ctx, run);
  if (capsPairs > 0) detectCapitalisedNames(ctx);
  if (cjk > 0) detectJapaneseNames(text, found);
  if (ctx.borderline.length > 0 && found.length > 0) {
    const sorted = [...found].sort((a, b) => a.start - b.start);
    for (const candidate of ctx.borderline) if (inNameList(text, candidate, sorted)) found.push(candidate);
  }
  detectLowerCaseNames(text, lower, found);
  for (const span of found) out.push(span);
}
