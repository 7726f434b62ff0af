// Email addresses and phone numbers. Emails are found by scanning from each '@' (no regex that can
// restart inside a long run of word characters). Phone candidates come from one bounded regex and
// are validated with libphonenumber-js.
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { execAll } from './scan.js';
import type { Span } from './types.js';

function isLocalChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
}
function isDomainChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 45;
}

export function detectEmails(text: string, out: Span[]): void {
  let at = text.indexOf('@');
  let scannedTo = 0;
  while (at !== -1) {
    let start = at;
    while (start > scannedTo && at - start < 64 && isLocalChar(text.charCodeAt(start - 1))) start--;
    let end = at + 1;
    while (end < text.length && end - at < 255 && isDomainChar(text.charCodeAt(end))) end++;
    while (end > at + 1 && (text.charAt(end - 1) === '.' || text.charAt(end - 1) === '-')) end--;
    while (start < at && text.charAt(start) === '.') start++;
    const domain = text.slice(at + 1, end);
    // A domain has a label with a letter before its TLD ("pkg@0.1.0.js" is a package and version).
    if (start < at && /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}$/.test(domain) && /[A-Za-z][^.]*\./.test(domain)) {
      out.push({ start, end, type: 'EMAIL' });
    }
    scannedTo = Math.max(end, at + 1);
    at = text.indexOf('@', at + 1);
  }
}

// +CC groups, (+CC), 00CC, (area) groups, digit groups separated by one space, dot, hyphen or slash
// (" / " too), or a compact +CC number; an extension ("ext. 204", "x31", "Durchwahl 12") may follow.
const PHONE_CANDIDATE =
  /(?<![\w+/.,=-])(?:\+\d{1,3}[ .-]?|\(\+\d{1,3}\)[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,8}(?:(?:[ .\-/]| \/ )\(?\d{1,8}\)?){1,6}(?![\w]|[.,\-/]\d)|(?<![\w+])\+\d{8,15}(?![\w]|[.,\-/]\d)/g;
const EXTENSION = /^,?\s{0,2}(?:ext\.?|extension|x|poste|durchwahl|dw\.?|interno|int\.|ramal|wew\.|toestel|tst\.)\s{0,2}\d{1,5}(?!\d)/i;
const NANP = /^\(?[2-9]\d{2}\)?[ .-]?[2-9]\d{2}[ .-]\d{4}$/;
const DATE_LIKE = /^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$/;
const PHONE_CUE =
  /(?:phone|tel|mobile|cell|call|ring|text|whatsapp|sms|signal|telegram|viber|reach|contact|fax|number|cellulare|telefono|numero|chiama|téléphone|portable|numéro|appel|joindre|handy|telefon|nummer|anruf|rufnummer|móvil|movil|teléfono|número|llama|llámame|celular|bizum|telemóvel|telemovel|telefone|ligue|liga|zadzwo|numer|komórk|komork|bel |bellen|mobiel|電話|携帯)[^\n]{0,24}$/i;
/** A number right after one of these words is an order, ticket or account number, not a phone. */
const NOT_PHONE_BEFORE =
  /(?:order|tracking|invoice|ticket|booking|reference|\bref|account|customer|client|case|\bjob|\bid|serial|part|parcel|package|shipment|bestell|auftrag|rechnung|kunden|sendung|ordine|fattura|pratica|ordine|spedizione|commande|facture|colis|dossier|pedido|factura|encomenda|fatura|bestel|factuur|zending|zamówieni|zamowieni|faktur|paczk|przesyłk|przesylk)\w*\s*(?:n(?:o|r|º|°)\.?|number|numer|nummer|numero|número|numéro|#)?\s*(?:is|es|est|ist|è|é|to|:)?\s*[:#]?\s*$/i;

type Lang = 'it' | 'fr' | 'de' | 'es' | 'pt' | 'nl' | 'pl' | 'en';
const LANGS: readonly Lang[] = ['it', 'fr', 'de', 'es', 'pt', 'nl', 'pl', 'en'];

// A handful of frequent function words per chat language; the most frequent language wins.
const LANG_WORDS =
  /(?<![\p{L}])(?:(il|della|che|sono|mio|mia|non|gli|questo|perché|ciao|grazie|numero|chiamami)|(les|des|est|je|mon|pour|avec|pas|vous|c'est|du|merci|numéro|appelle)|(der|die|das|und|ist|ich|mein|meine|nicht|mit|für|bitte|danke|nummer)|(el|los|las|para|por|está|del|gracias|número|llámame|tengo|y|es|puedes|pero|muy|cómo|qué|hola|móvil|teléfono|dirección|tienda)|(não|você|meu|minha|obrigad[oa]|também|uma|são|ligue|liga-me|ligue-me|olá|é|houver|algum|tenho|estou|obrigada|vocês)|(het|een|ik|niet|mijn|bedankt|graag|wij|jullie|bel|ons)|(jest|się|nie|mój|moja|dzięki|proszę|czy|jestem|numer|tak)|(the|and|is|my|to|for|with|you|of|please|me))(?![\p{L}])/giu;

/** The text's language, or null when none of the words says. */
function guessLanguage(text: string): Lang | null {
  const tally = [0, 0, 0, 0, 0, 0, 0, 0];
  LANG_WORDS.lastIndex = 0;
  let m: RegExpExecArray | null;
  let seen = 0;
  while ((m = LANG_WORDS.exec(text)) !== null && seen < 24) {
    seen++;
    for (let g = 1; g <= 8; g++) {
      if (m[g] !== undefined) {
        tally[g - 1]!++;
        break;
      }
    }
  }
  let best = 7;
  for (let i = 0; i < 7; i++) if ((tally[i] ?? 0) > (tally[best] ?? 0)) best = i;
  return (tally[best] ?? 0) === 0 ? null : (LANGS[best] ?? null);
}

// National numbers with a trunk 0, by country: the digit counts they can have.
const TRUNK_LENGTHS: readonly [CountryCode, number, number][] = [
  ['GB', 10, 11], ['FR', 10, 10], ['DE', 6, 13], ['IT', 6, 11], ['AU', 10, 10], ['NL', 10, 10],
  ['BE', 9, 10], ['CH', 10, 10], ['AT', 7, 13], ['IE', 8, 10], ['JP', 10, 11], ['NZ', 8, 11],
  ['IN', 11, 11], ['TR', 11, 11], ['ZA', 10, 10], ['BR', 10, 12],
];
/** Countries whose numbers are tried first, by the language of the text. */
const LANG_COUNTRIES: Readonly<Record<Lang, readonly CountryCode[]>> = {
  // Spanish and Portuguese are easily mistaken for each other in short texts: each tries the other's country too.
  it: ['IT', 'CH'], fr: ['FR', 'BE', 'CH', 'CA'], de: ['DE', 'AT', 'CH'], es: ['ES', 'MX', 'AR', 'PT'],
  pt: ['PT', 'BR', 'ES'], nl: ['NL', 'BE'], pl: ['PL'], en: ['GB', 'US', 'AU', 'IE', 'CA', 'IN', 'NZ', 'IT'],
};
// Numbers without a trunk prefix (mobiles and landlines of IT, ES, PT, PL, ...): shape per country.
const NO_TRUNK_SHAPES: readonly [CountryCode, RegExp][] = [
  ['IT', /^3\d{8,9}$/], ['ES', /^[6789]\d{8}$/], ['PT', /^[29]\d{8}$/], ['PL', /^[1-9]\d{8}$/], ['GR', /^(?:69|2)\d{8,9}$/],
  ['NO', /^[2-9]\d{7}$/], ['DK', /^[2-9]\d{7}$/], ['IN', /^[6-9]\d{9}$/], ['BR', /^[1-9]{2}9?\d{8}$/], ['CN', /^1[3-9]\d{9}$/],
  ['SE', /^7\d{8}$/],
];
const ANY_COUNTRY: readonly CountryCode[] = NO_TRUNK_SHAPES.map(([country]) => country);
// Brazilian "(11) 98765-4321": a two-digit area code in parentheses, no trunk.
const BR_AREA = /^\(\d{2}\) ?9?\d{4}-?\d{4}$/;

/** Country calling codes (E.164 codes are prefix-free: at most one of 1, 2 or 3 digits matches). */
const CALLING_CODES: ReadonlySet<string> = new Set(getCountries().map((c) => String(getCountryCallingCode(c))));

/**
 * An international number (after + or 00): a known calling code and a national number of
 * plausible length. libphonenumber's parse costs 10-30 µs, so it is kept for national numbers,
 * where the country has to be guessed; written-out international numbers only need a length check.
 */
function internationalPlausible(digits: string): boolean {
  for (let len = 1; len <= 3; len++) {
    if (!CALLING_CODES.has(digits.slice(0, len))) continue;
    const national = digits.length - len;
    if (len === 1 && digits.charAt(0) === '1') return national === 10 && /^[2-9]\d{2}[2-9]/.test(digits.slice(1));
    return national >= 6 && national <= 12;
  }
  return false;
}

/** North American number: area code and exchange start with 2-9 and are not N11 service codes. */
function nanpPlausible(digits: string): boolean {
  const ten = digits.length === 11 ? digits.slice(1) : digits;
  if (ten.length !== 10) return false;
  const area = ten.slice(0, 3);
  const exchange = ten.slice(3, 6);
  return area.charAt(0) >= '2' && area.charAt(1) !== '9' && area.slice(1) !== '11' && exchange.charAt(0) >= '2' && exchange.slice(1) !== '11';
}

function validIn(candidate: string, country: CountryCode): boolean {
  return parsePhoneNumberFromString(candidate, country)?.isValid() === true;
}

interface PhoneContext {
  text: string;
  lang: Lang | null | undefined;
  /** Countries tried first: the configured default region, then those of the text's language. */
  preferred: readonly CountryCode[] | null;
  defaultRegion: CountryCode | undefined;
}

function preferredCountries(ctx: PhoneContext): readonly CountryCode[] {
  if (ctx.preferred) return ctx.preferred;
  if (ctx.lang === undefined) ctx.lang = guessLanguage(ctx.text);
  // Unknown language: English-speaking countries first, and no country is ruled out for bare numbers.
  const list = ctx.lang === null ? [...LANG_COUNTRIES.en, ...ANY_COUNTRY] : LANG_COUNTRIES[ctx.lang];
  ctx.preferred = ctx.defaultRegion && !list.includes(ctx.defaultRegion) ? [ctx.defaultRegion, ...list] : list;
  return ctx.preferred;
}

function nationalTrunkValid(candidate: string, digits: string, ctx: PhoneContext): boolean {
  const n = digits.length;
  const preferred = preferredCountries(ctx);
  for (const country of preferred) {
    const range = TRUNK_LENGTHS.find((r) => r[0] === country);
    if (range && n >= range[1] && n <= range[2] && validIn(candidate, country)) return true;
  }
  for (const [country, min, max] of TRUNK_LENGTHS) {
    if (n < min || n > max || preferred.includes(country)) continue;
    if (validIn(candidate, country)) return true;
  }
  return false;
}

function isPhone(candidate: string, ctx: PhoneContext, start: number): boolean {
  let digitCount = 0;
  for (let i = 0; i < candidate.length; i++) {
    const c = candidate.charCodeAt(i);
    if (c >= 48 && c <= 57) digitCount++;
  }
  if (digitCount < 7 || digitCount > 15) return false;
  if (DATE_LIKE.test(candidate)) return false;
  const digits = candidate.replace(/\D/g, '');
  if (candidate.startsWith('+') || candidate.startsWith('(+')) return internationalPlausible(digits);
  // 0044 7700 900461: international prefix written with 00.
  if (candidate.startsWith('00') && digitCount >= 10 && internationalPlausible(digits.slice(2))) return true;
  const before = ctx.text.slice(Math.max(0, start - 40), start);
  if (NOT_PHONE_BEFORE.test(before)) return false;
  if (NANP.test(candidate)) return nanpPlausible(digits);
  if (BR_AREA.test(candidate)) return validIn(candidate, 'BR');
  const separators = candidate.replace(/[\d() ]/g, '');
  if (separators.includes('.')) {
    // Versions, decimals and IP addresses: dotted numbers count only in phone-like groupings.
    if (separators.length < 2 || !candidate.startsWith('0') || /(?:^|\.)\d(?:\.|$)/.test(candidate)) return false;
    if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(candidate)) return false;
  }
  if (separators.includes('/') && !/^[\d ]*\/[\d ]*$/.test(candidate)) return false;
  if (candidate.startsWith('0') || candidate.startsWith('(0')) return nationalTrunkValid(candidate, digits, ctx);
  // Other shapes (Italian mobiles "340 655 1892", Polish "512 345 678", ...) need a phone word nearby.
  // Only countries of the text's language (or the configured region) count: a bare number has no
  // other hint of where it is from.
  const preferred = preferredCountries(ctx);
  const shapes = NO_TRUNK_SHAPES.filter(([country, shape]) => preferred.includes(country) && shape.test(digits));
  if (shapes.length === 0) return false;
  if (!PHONE_CUE.test(before)) return false;
  for (const [country] of shapes) if (validIn(candidate, country)) return true;
  return false;
}

// "123 456 + 789 012 =", "x = 2024 * 365": operators next to the digits. " / " between two
// numbers and "KEY=+4415..." in config are not arithmetic.
const ARITHMETIC_AFTER = /^\s*(?:[=*×÷<>]|[+-]\s*\(?\d)|^\/\d/;
const ARITHMETIC_BEFORE = /(?:(?:^|[\d\s])=|[*×÷<>]|\d\s*[+-]|\d\/)\s*$/;

/** `out` may already hold validated spans (cards, IPs, SSNs, dates): candidates inside them are skipped. */
export function detectPhones(text: string, out: Span[], defaultRegion?: CountryCode): void {
  const ctx: PhoneContext = { text, lang: undefined, preferred: null, defaultRegion };
  const taken = out.length;
  for (const m of execAll(PHONE_CANDIDATE, text)) {
    let candidate = m[0];
    // "(+48 601 234 567)": a closing parenthesis without its opening one belongs to the text.
    while (candidate.endsWith(')') && candidate.split('(').length < candidate.split(')').length) candidate = candidate.slice(0, -1);
    const end = m.index + candidate.length;
    let covered = false;
    for (let i = 0; i < taken; i++) {
      const s = out[i]!;
      if (s.start <= m.index && s.end >= end) {
        covered = true;
        break;
      }
    }
    if (covered) continue;
    if (ARITHMETIC_AFTER.test(text.slice(end, end + 3)) || ARITHMETIC_BEFORE.test(text.slice(Math.max(0, m.index - 4), m.index))) continue;
    if (!isPhone(candidate, ctx, m.index)) continue;
    const extension = EXTENSION.exec(text.slice(end, end + 24));
    out.push({ start: m.index, end: extension ? end + extension[0].length : end, type: 'PHONE' });
  }
}
