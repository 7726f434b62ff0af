// Email addresses and phone numbers. Emails are found by scanning from each '@' (no regex that can
// restart inside a long run of word characters). Phone candidates come from one bounded regex and
// are validated with libphonenumber-js.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
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

// +CC groups, (area) groups, digit groups separated by single space, dot, hyphen or slash.
const PHONE_CANDIDATE =
  /(?<![\w+/.,=-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,6}(?:[ .\-/]\(?\d{1,6}\)?){1,6}(?![\w]|[.,\-/]\d)/g;
const NANP = /^\(?[2-9]\d{2}\)?[ .-]?[2-9]\d{2}[ .-]\d{4}$/;
const DATE_LIKE = /^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$/;
const PHONE_CUE =
  /(?:phone|tel|mobile|cell|call|text|whatsapp|sms|signal|reach|contact|fax|cellulare|telefono|chiama|téléphone|portable|appel|joindre|handy|telefon|anruf|rufnummer|móvil|movil|teléfono|llama|celular)[^\n]{0,24}$/i;
const NATIONAL_COUNTRIES: readonly CountryCode[] = ['GB', 'FR', 'DE', 'IT', 'AU', 'NL', 'BE', 'CH', 'AT', 'IE'];
const NO_TRUNK_COUNTRIES: readonly CountryCode[] = ['IT', 'ES', 'PT', 'NO', 'DK', 'GR'];

function validIn(candidate: string, countries: readonly CountryCode[]): boolean {
  for (const country of countries) {
    const parsed = parsePhoneNumberFromString(candidate, country);
    if (parsed?.isValid()) return true;
  }
  return false;
}

function isPhone(candidate: string, text: string, start: number): boolean {
  const digitCount = candidate.replace(/\D/g, '').length;
  if (digitCount < 7 || digitCount > 15) return false;
  if (DATE_LIKE.test(candidate)) return false;
  if (candidate.startsWith('+')) {
    const parsed = parsePhoneNumberFromString(candidate);
    return parsed !== undefined && (parsed.isValid() || parsed.isPossible());
  }
  const separators = candidate.replace(/[\d()]/g, '');
  if (separators.includes('.') && separators.length < 3) return false; // versions, decimals
  if (separators.includes('/') && !/^[\d ]*\/[\d ]*$/.test(candidate)) return false;
  if (NANP.test(candidate)) return validIn(candidate, ['US', 'CA']);
  if (candidate.startsWith('0') || candidate.startsWith('(0')) return validIn(candidate, NATIONAL_COUNTRIES);
  // Other shapes (Italian mobiles "340 655 1892", ...) need a phone word nearby.
  const before = text.slice(Math.max(0, start - 40), start);
  return PHONE_CUE.test(before) && validIn(candidate, NO_TRUNK_COUNTRIES);
}

const ARITHMETIC_AFTER = /^\s*[=+*/×÷<>]/;
const ARITHMETIC_BEFORE = /[=+*/×÷<>]\s*$/;

export function detectPhones(text: string, out: Span[]): void {
  for (const m of text.matchAll(PHONE_CANDIDATE)) {
    const candidate = m[0];
    const end = m.index + candidate.length;
    if (ARITHMETIC_AFTER.test(text.slice(end, end + 3)) || ARITHMETIC_BEFORE.test(text.slice(Math.max(0, m.index - 3), m.index))) continue;
    if (isPhone(candidate, text, m.index)) out.push({ start: m.index, end, type: 'PHONE' });
  }
}
