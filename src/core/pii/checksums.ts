// Check-digit validators: a number that fails its checksum is not reported (keeps order numbers,
// ISBNs and the like).

/** Luhn (mod 10) check used by payment card numbers. `digits` holds only 0-9. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** Country code -> IBAN length (ISO 13616 registry, common countries). */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21,
  CR: 22, CY: 28, CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27,
  GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26,
  IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24,
  ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29,
  RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19, SK: 24, SM: 27, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20,
};

/** ISO 13616 mod-97 check. `iban` is upper case without separators. */
export function ibanValid(iban: string): boolean {
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected === undefined || iban.length !== expected) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      remainder = (remainder * 10 + (c - 48)) % 97;
    } else if (c >= 65 && c <= 90) {
      remainder = (remainder * 100 + (c - 55)) % 97;
    } else {
      return false;
    }
  }
  return remainder === 1;
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter), upper case, no separators. */
export function spanishIdValid(id: string): boolean {
  let body = id.slice(0, -1);
  const letter = id.slice(-1);
  const first = body.charAt(0);
  if (first === 'X' || first === 'Y' || first === 'Z') body = String('XYZ'.indexOf(first)) + body.slice(1);
  if (!/^\d{8}$/.test(body)) return false;
  return DNI_LETTERS.charAt(Number(body) % 23) === letter;
}

const CF_ODD: readonly number[] = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];

/** Italian codice fiscale (16 characters) check character. */
export function codiceFiscaleValid(cf: string): boolean {
  if (!/^[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPR-T][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/.test(cf)) return false;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = cf.charCodeAt(i);
    const value = c >= 48 && c <= 57 ? c - 48 : c - 65;
    sum += i % 2 === 0 ? (CF_ODD[value] ?? 0) : value;
  }
  return String.fromCharCode(65 + (sum % 26)) === cf.charAt(15);
}

// National identifiers. Each validator takes the identifier without separators (digits, plus the
// letters its format has) and checks the format and the check digits its issuer defines.

function digitsOf(value: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < value.length; i++) out.push(value.charCodeAt(i) - 48);
  return out;
}

/** UK NHS number: 10 digits, weights 10..2, mod 11 (a check value of 10 is never issued). */
export function nhsValid(id: string): boolean {
  if (!/^\d{10}$/.test(id)) return false;
  const d = digitsOf(id);
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (d[i] ?? 0) * (10 - i);
  const check = 11 - (sum % 11);
  return check !== 10 && (check === 11 ? 0 : check) === d[9];
}

/** UK National Insurance number: two prefix letters (HMRC's excluded letters and pairs), 6 digits, A-D. */
export function ninoValid(id: string): boolean {
  if (!/^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$/.test(id)) return false;
  return !['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ'].includes(id.slice(0, 2));
}

/** Canadian Social Insurance Number: 9 digits, Luhn, never starting with 0 or 8. */
export function sinValid(id: string): boolean {
  return /^[1-79]\d{8}$/.test(id) && luhnValid(id);
}

/** Brazilian CPF: 11 digits, two mod-11 check digits, not all one digit. */
export function cpfValid(id: string): boolean {
  if (!/^\d{11}$/.test(id) || /^(\d)\1{10}$/.test(id)) return false;
  const d = digitsOf(id);
  for (const n of [9, 10]) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (d[i] ?? 0) * (n + 1 - i);
    const check = ((sum * 10) % 11) % 10;
    if (check !== d[n]) return false;
  }
  return true;
}

/** German Steuer-ID: 11 digits, no leading 0, ISO 7064 MOD 11,10 check digit. */
export function steuerIdValid(id: string): boolean {
  if (!/^[1-9]\d{10}$/.test(id)) return false;
  const d = digitsOf(id);
  let product = 10;
  for (let i = 0; i < 10; i++) {
    let sum = ((d[i] ?? 0) + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  const check = 11 - product === 10 ? 0 : 11 - product;
  return check === d[10];
}

/** Dutch BSN: 9 digits, "elfproef" (weights 9..2 and -1, sum divisible by 11). */
export function bsnValid(id: string): boolean {
  if (!/^\d{9}$/.test(id) || id === '000000000') return false;
  const d = digitsOf(id);
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (d[i] ?? 0) * (9 - i);
  sum -= d[8] ?? 0;
  return sum % 11 === 0;
}

/** Polish PESEL: 11 digits, a valid birth date (century in the month), weights 1-3-7-9. */
export function peselValid(id: string): boolean {
  if (!/^\d{11}$/.test(id)) return false;
  const d = digitsOf(id);
  const month = ((d[2] ?? 0) * 10 + (d[3] ?? 0)) % 20;
  const day = (d[4] ?? 0) * 10 + (d[5] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  const weights = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += (d[i] ?? 0) * (weights[i] ?? 0);
  return (10 - (sum % 10)) % 10 === d[10];
}

// Verhoeff dihedral-group tables (used by Aadhaar).
const VERHOEFF_D: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/** Verhoeff check over all digits (the last one is the check digit). */
export function verhoeffValid(digits: string): boolean {
  let c = 0;
  for (let i = 0; i < digits.length; i++) {
    const digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    c = VERHOEFF_D[c]?.[VERHOEFF_P[i % 8]?.[digit] ?? 0] ?? 0;
  }
  return c === 0;
}

/** Indian Aadhaar: 12 digits, first 2-9, Verhoeff check digit. */
export function aadhaarValid(id: string): boolean {
  return /^[2-9]\d{11}$/.test(id) && verhoeffValid(id);
}

/** Indian PAN: 5 letters (the 4th says the holder type), 4 digits, a letter. */
export function panValid(id: string): boolean {
  return /^[A-Z]{3}[ABCFGHJLPT][A-Z]\d{4}[A-Z]$/.test(id);
}

/** French NIR (numéro de sécurité sociale): 13 characters (Corsica 2A/2B) + a 97-complement key. */
export function nirValid(id: string): boolean {
  const m = /^([12378])(\d{2})(0[1-9]|1[0-2]|[2-9]\d)(\d{2}|2A|2B)(\d{6})(\d{2})$/.exec(id);
  if (!m) return false;
  const body = `${m[1]}${m[2]}${m[3]}${(m[4] ?? '').replace('2A', '19').replace('2B', '18')}${m[5]}`;
  return 97 - mod97(body) === Number(m[6]);
}

function mod97(digits: string): number {
  let r = 0;
  for (let i = 0; i < digits.length; i++) r = (r * 10 + (digits.charCodeAt(i) - 48)) % 97;
  return r;
}

/** Belgian national register number: 11 digits, 97-complement of the first 9 (or of 2 + them, born 2000+). */
export function belgianNationalValid(id: string): boolean {
  if (!/^\d{11}$/.test(id)) return false;
  const check = Number(id.slice(9));
  const body = id.slice(0, 9);
  return 97 - mod97(body) === check || 97 - mod97(`2${body}`) === check;
}

/** Turkish T.C. Kimlik No: 11 digits, no leading 0, two check digits. */
export function turkishIdValid(id: string): boolean {
  if (!/^[1-9]\d{10}$/.test(id)) return false;
  const d = digitsOf(id);
  const odd = (d[0] ?? 0) + (d[2] ?? 0) + (d[4] ?? 0) + (d[6] ?? 0) + (d[8] ?? 0);
  const even = (d[1] ?? 0) + (d[3] ?? 0) + (d[5] ?? 0) + (d[7] ?? 0);
  if ((((odd * 7 - even) % 10) + 10) % 10 !== d[9]) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += d[i] ?? 0;
  return sum % 10 === d[10];
}

/** Chinese resident identity number: 6-digit area, birth date, sequence, ISO 7064 MOD 11-2 check (0-9 or X). */
export function chineseIdValid(id: string): boolean {
  const m = /^[1-9]\d{5}(19|20)(\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dX]$/.exec(id);
  if (!m) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (id.charCodeAt(i) - 48) * (weights[i] ?? 0);
  return '10X98765432'.charAt(sum % 11) === id.charAt(17);
}
