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
    if (start < at && /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}$/.test(domain)) {
      out.push({ start, end, type: 'EMAIL' });
    }
    scannedTo = Math.max(end, at + 1);
    at = text.indexOf('@', at + 1);
  }
}

// +CC groups, (+CC), 00CC, (area) groups, digit groups separated by single space, dot, hyphen or slash.
const PHONE_CANDIDATE =
  /(?<![\w+/.,=-])(?:\+\d{1,3}[ .-]?|\(\+\d{1,3}\)[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,6}(?:[ .\-/]\(?\d{1,6}\)?){1,6}(?![\w]|[.,\-/]\d)/g;
const NANP = /^\(?[2-9]\d{2}\)?[ .-]?[2-9]\d{2}[ .-]\d{4}$/;
const DATE_LIKE = /^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$/;
const PHONE_CUE =
  /(?:phone|tel|mobile|cell|call|text|whatsapp|sms|signal|reach|contact|fax|number|cellulare|cell|telefono|numero|chiama|téléphone|portable|numéro|appel|joindre|handy|telefon|nummer|anruf|rufnummer|móvil|movil|teléfono|número|llama|celular|bizum)[^\n]{0,24}$/i;

type Lang = 'it' | 'fr' | 'de' | 'es' | 'en';

// A handful of frequent function words per chat language; the most frequent language wins.
const LANG_WORDS =
  /(?<![\p{L}])(?:(il|della|che|sono|mio|mia|non|gli|questo|perché|ciao|grazie|numero)|(le|les|des|est|je|mon|pour|avec|pas|vous|c'est|du|merci|numéro)|(der|die|das|und|ist|ich|mein|meine|nicht|mit|für|bitte|danke|nummer)|(el|los|las|mi|para|por|está|del|gracias|número|llámame)|(the|and|is|my|to|for|with|you|of|please|me))(?![\p{L}])/giu;

function guessLanguage(text: string): Lang {
  const tally = [0, 0, 0, 0, 0];
  LANG_WORDS.lastIndex = 0;
  let m: RegExpExecArray | null;
  let seen = 0;
  while ((m = LANG_WORDS.exec(text)) !== null && seen < 24) {
    seen++;
    for (let g = 1; g <= 5; g++) {
      if (m[g] !== undefined) {
        tally[g - 1]!++;
        break;
      }
    }
  }
  let best = 4;
  for (let i = 0; i < 4; i++) if ((tally[i] ?? 0) > (tally[best] ?? 0)) best = i;
  return (['it', 'fr', 'de', 'es', 'en'] as const)[best] ?? 'en';
}

// National numbers with a trunk 0, by country: the digit counts they can have.
const TRUNK_LENGTHS: readonly [CountryCode, number, number][] = [
  ['GB', 10, 11], ['FR', 10, 10], ['DE', 6, 13], ['IT', 6, 11], ['AU', 10, 10], ['NL', 10, 10],
  ['BE', 9, 10], ['CH', 10, 10], ['AT', 7, 13], ['IE', 8, 10],
];
const TRUNK_FIRST: Readonly<Record<Lang, readonly CountryCode[]>> = {
  it: ['IT', 'CH'], fr: ['FR', 'BE', 'CH'], de: ['DE', 'AT', 'CH'], es: ['IT', 'FR'], en: ['GB', 'AU', 'IE'],
};
// Numbers without a trunk prefix (mobiles and landlines of IT, ES, ...): shape per country.
const NO_TRUNK_SHAPES: readonly [CountryCode, RegExp][] = [
  ['IT', /^3\d{8,9}$/], ['ES', /^[6789]\d{8}$/], ['PT', /^[29]\d{8}$/], ['GR', /^(?:69|2)\d{8,9}$/],
  ['NO', /^[2-9]\d{7}$/], ['DK', /^[2-9]\d{7}$/],
];

/** Country calling codes (E.164 codes are prefix-free: at most one of 1, 2 or 3 digits matches). */
const CALLING_CODES: ReadonlySet<string> = new Set(getCountries().map((c) => String(getCountryCallingCode(c))));

/**
 * An international number (after + or 00): a known calling code and a national number of
 * plausible length. libphonenumber's parse costs 10-30 µs, so it is kept for national numbers,
 * where the country has to be guessed; written-out international numbers only need a length check
 * (the old code accepted libphonenumber's isPossible(), which is a length check too).
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
  lang: Lang | null;
}

function nationalTrunkValid(candidate: string, digits: string, ctx: PhoneContext): boolean {
  const n = digits.length;
  const lang = (ctx.lang ??= guessLanguage(ctx.text));
  const preferred = TRUNK_FIRST[lang];
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
  if (NANP.test(candidate)) return nanpPlausible(digits);
  const separators = candidate.replace(/[\d()]/g, '');
  if (separators.includes('.')) {
    // Versions, decimals and IP addresses: dotted numbers count only in phone-like groupings.
    if (separators.length < 2 || !candidate.startsWith('0') || /(?:^|\.)\d(?:\.|$)/.test(candidate)) return false;
    if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(candidate)) return false;
  }
  if (separators.includes('/') && !/^[\d ]*\/[\d ]*$/.test(candidate)) return false;
  if (candidate.startsWith('0') || candidate.startsWith('(0')) return nationalTrunkValid(candidate, digits, ctx);
  // Other shapes (Italian mobiles "340 655 1892", ...) need a phone word nearby.
  const shapes = NO_TRUNK_SHAPES.filter(([, shape]) => shape.test(digits));
  if (shapes.length === 0) return false;
  const before = ctx.text.slice(Math.max(0, start - 40), start);
  if (!PHONE_CUE.test(before)) return false;
  for (const [country] of shapes) if (validIn(candidate, country)) return true;
  return false;
}

const ARITHMETIC_AFTER = /^\s*[=+*/×÷<>]/;
const ARITHMETIC_BEFORE = /[=+*/×÷<>]\s*$/;

/** `out` may already hold validated spans (cards, IPs, SSNs, dates): candidates inside them are skipped. */
export function detectPhones(text: string, out: Span[]): void {
  const ctx: PhoneContext = { text, lang: null };
  const taken = out.length;
  for (const m of execAll(PHONE_CANDIDATE, text)) {
    const candidate = m[0];
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
    if (ARITHMETIC_AFTER.test(text.slice(end, end + 3)) || ARITHMETIC_BEFORE.test(text.slice(Math.max(0, m.index - 3), m.index))) continue;
    if (isPhone(candidate, ctx, m.index)) out.push({ start: m.index, end, type: 'PHONE' });
  }
}
