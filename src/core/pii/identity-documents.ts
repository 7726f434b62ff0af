// Identity document and national identifier numbers:
// - labelled: a code-like value right after a document label in one of the chat languages
//   ("passport no.", "NHS number", "Steuer-ID", "PESEL", "numéro de sécurité sociale", "身份证"...);
// - unlabelled: national identifiers whose format is distinctive and whose check digits validate
//   (Spanish DNI/NIE, Italian codice fiscale, Brazilian CPF as written, Chinese resident ID, French
//   NIR, Belgian national number as written, UK National Insurance number, Indian PAN). Numbers
//   whose only structure is a check digit (NHS, SIN, BSN, Steuer-ID, PESEL, Aadhaar, T.C.) pass one
//   random number in ten or eleven, so they count only with a label.
import {
  belgianNationalValid, chineseIdValid, codiceFiscaleValid, cpfValid, nirValid, ninoValid, panValid, spanishIdValid,
} from './checksums.js';
import { execAll, lowerSameLength } from './scan.js';
import type { Span } from './types.js';

// Labels, matched on the lower-cased text (words that are not ordinary words in any chat language).
// A case-sensitive, non-Unicode regex over a lower-cased copy is several times faster than the
// same alternation with the i and u flags, which defeats the regex engine's literal search.
const DOCUMENT_LABEL = new RegExp(
  [
    // passports
    'passport', 'passeport', 'pasaporte', 'passaporto', 'passaporte', 'paszport', 'paspoort', 'reisepass', '\\bpass(?:nummer|nr)',
    '护照', 'パスポート',
    // driving licences
    "driver'?s licen[cs]e", 'driving licen[cs]e', 'licen[cs]e (?:number|no)', 'führerschein', 'permis de conduire',
    '\\bpermis n', 'patente(?: di guida)?\\b', 'carn[ée] de conducir', 'carnet de conducir', 'permiso de conducir',
    'carta de condu[cç][ãa]o', 'carteira de (?:motorista|habilita[cç][ãa]o)', 'rijbewijs', 'prawo? jazdy', 'prawa jazdy',
    // identity cards and generic labels
    'identity (?:card|number|document)', 'national (?:id|identity|insurance|number)', '\\bid (?:card|number|no\\.?|#)',
    '(?:my|his|her|their|your) id\\b', 'member id', 'insurance (?:number|id)', 'codice fiscale', "carta d['’]identit[àa]",
    "carte d['’]identit[ée]", 'personalausweis', 'ausweis(?:nummer)?', 'identiteitskaart', 'id-kaart', 'dowodu? osobist',
    'numer dowodu', 'c[ée]dula', 'documento de identidad', "numero d['’]identit", 'cart[ãa]o de cidad[ãa]o',
    'personnummer', 'tax id', 'tax (?:identification|reference) number',
    // national numbers by country
    '\\bnhs(?: number| no\\.?| #)?', 'social insurance number', "assurance sociale", 'steuer-?id', 'steueridentifikationsnummer',
    'steuerliche identifikationsnummer', 'sozialversicherungsnummer', 'burgerservicenummer', 'sofinummer',
    'rijksregisternummer', 'num[ée]ro national', 'registre national', '\\bpesel', 'aadha?ar', 's[ée]curit[ée] sociale', '\\bs[ée]cu\\b',
    'carte vitale', 'kimlik', '身份证', '身分証', 'resident id', 'health card', 'medicare (?:number|card)', 'tessera sanitaria',
    '\\bcpf\\b', '\\bbsn\\b', 'n[úu]mero de contribuinte',
  ].join('|'),
  'g',
);
// Acronyms are matched case-sensitively: "nie" (German "never"), "sin" (Spanish "without"),
// "pan" (Polish "Mr") are words.
const DOCUMENT_ACRONYM =
  /\b(?:NIE|DNI|NIF|CIF|CF|CNI|NINO|NI number|NI No|NI|SIN|NAS|TFN|BSN|PESEL|NIP|TIN|PAN|UID|NIR|INSZ|RG|CNH|CPF|DL|ID|ID No\.?)\b/g;

/** "order ID", "user ID": identifiers of things, not people. */
const THING_BEFORE_ID =
  /(?:meeting|order|user|client|session|request|tracking|transaction|app|project|product|customer|account|device|chat|thread|message|event|job|process|group|channel|ticket|invoice|booking|reservation|apple|google|trace|span|correlation|commit|build|run|task)\s*$/i;

// A value: letters and digits, possibly in groups separated by one space, dot, slash or hyphen.
const DOCUMENT_TOKEN = /(?<![\w-])(?=[A-Z0-9 ./-]{0,32}\d)[A-Z0-9](?:[A-Z0-9]|[ ./-](?=[A-Z0-9])){4,30}(?![\w])/g;

/** K8827104 -> A9999999: letters and digits by position. */
function shapeOf(value: string): string {
  let shape = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    shape += c >= 48 && c <= 57 ? '9' : c >= 65 && c <= 90 ? 'A' : value.charAt(i);
  }
  return shape;
}

function plausibleValue(value: string): boolean {
  const compact = value.replace(/[ ./-]/g, '');
  if (compact.length < 6) return false;
  let digits = 0;
  for (let i = 0; i < compact.length; i++) if (compact.charCodeAt(i) <= 57) digits++;
  if (digits < 2) return false;
  // Dates, years with a range, times and amounts are not document numbers.
  if (/^\d{4}-\d{2}-\d{2}$|^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$|^\d{4}\s?-\s?\d{4}$/.test(value)) return false;
  return true;
}

/** The value's end: a trailing group that is a year ("... 2031") is not part of it; nor is a leading word ("MOD 11-2"). */
function trimValue(value: string): string {
  const word = /^[A-Z]{3,} (.*)$/.exec(value);
  if (word) return trimValue(word[1] ?? '');
  const m = /^(.*\d.*?)[ ](?:19|20)\d{2}$/.exec(value);
  return m && plausibleValue(m[1] ?? '') ? (m[1] ?? value) : value;
}

/** How far before a value its label may start (label length plus the 60-character gap). */
const LABEL_REACH = 110;

/**
 * Label matches ({index, text}) in the stretches of text before plausible values: the big label
 * alternation is slow to run over a whole text, and most texts have no identifier-like value.
 */
function labelsBeforeValues(text: string, lower: string, groupedRuns: readonly number[] | null): { index: number; label: string }[] {
  const labels: { index: number; label: string }[] = [];
  const seen = new Set<number>();
  let scannedTo = 0;
  // Value-like runs: from textStats when it recorded them, else from a scan.
  const runs: number[] = [];
  if (groupedRuns) runs.push(...groupedRuns);
  else {
    for (const v of execAll(DOCUMENT_TOKEN, text)) if (plausibleValue(trimValue(v[0]))) runs.push(v.index, v.index + v[0].length);
  }
  for (let r = 0; r + 1 < runs.length; r += 2) {
    const index = runs[r] ?? 0;
    // The label may also be the start of the token itself ("BSN 111222333").
    const to = runs[r + 1] ?? 0;
    const from = Math.max(0, Math.max(scannedTo - 48, index - LABEL_REACH));
    if (from >= to) continue;
    for (const [re, source] of [[DOCUMENT_LABEL, lower], [DOCUMENT_ACRONYM, text]] as const) {
      for (const m of execAll(re, source.slice(from, to))) {
        const index = from + m.index;
        if (seen.has(index)) continue;
        seen.add(index);
        labels.push({ index, label: m[0] });
      }
    }
    scannedTo = to;
  }
  return labels.sort((a, b) => a.index - b.index);
}

function labelled(text: string, lower: string, out: Span[], groupedRuns: readonly number[] | null): void {
  for (const { index, label } of labelsBeforeValues(text, lower, groupedRuns)) {
    if ((label === 'ID' || label === 'DL') && THING_BEFORE_ID.test(text.slice(Math.max(0, index - 20), index))) continue;
    const from = index + label.length;
    const window = text.slice(from, from + 60);
    DOCUMENT_TOKEN.lastIndex = 0;
    let token: RegExpExecArray | null;
    let shape: string | null = null;
    while ((token = DOCUMENT_TOKEN.exec(window)) !== null) {
      const value = trimValue(token[0]);
      if (shape === null) {
        if (!plausibleValue(value)) continue;
        out.push({ start: from + token.index, end: from + token.index + value.length, type: 'PASSPORT_OR_ID' });
        shape = shapeOf(value);
        continue;
      }
      // "passport no. K8827104 and my wife's, P3390217": more numbers of the same shape follow.
      if (shapeOf(value) === shape) out.push({ start: from + token.index, end: from + token.index + value.length, type: 'PASSPORT_OR_ID' });
    }
  }
}

interface Unlabelled {
  /** Shortest run of [A-Z0-9-] (code) or of grouped letters and digits (grouped) that can hold one (see textStats). */
  minCode?: number;
  minGrouped?: number;
  /** Cheap test that the text may hold one. */
  precheck: RegExp;
  pattern: RegExp;
  valid(compact: string): boolean;
}

const UNLABELLED: readonly Unlabelled[] = [
  {
    // Spanish DNI / NIE, Italian codice fiscale
    minCode: 9,
    precheck: /\d{7}-?[A-Z]|[A-Z]{6}[0-9LMNPQRSTUV]{2}/,
    pattern: /(?<![\w-])(?:[XYZ]-?\d{7}-?[A-Z]|\d{8}-?[A-Z]|[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPR-T][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z])(?![\w-])/g,
    valid: (c) => (c.length === 16 ? codiceFiscaleValid(c) : spanishIdValid(c)),
  },
  {
    // Brazilian CPF as written: 123.456.789-09
    minGrouped: 11,
    precheck: /\d\.\d{3}-\d/,
    pattern: /(?<![\w.-])\d{3}\.\d{3}\.\d{3}-\d{2}(?![\w]|[.-]\d)/g,
    valid: cpfValid,
  },
  {
    // Belgian national number as written: 85.07.30-033.28
    minGrouped: 11,
    precheck: /\d-\d{3}\.\d/,
    pattern: /(?<![\w.-])\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}(?![\w]|[.-]\d)/g,
    valid: belgianNationalValid,
  },
  {
    // Chinese resident identity number (18 characters with a birth date)
    minCode: 17,
    precheck: /\d{17}/,
    pattern: /(?<![\w-])[1-9]\d{16}[\dXx](?![\w-])/g,
    valid: (c) => chineseIdValid(c.toUpperCase()),
  },
  {
    // French NIR: 1 85 07 75 115 423 57
    minGrouped: 15,
    precheck: /[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}/,
    pattern: /(?<![\w.-])[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}(?![\w]|[.-]\d)/g,
    valid: nirValid,
  },
  {
    // UK National Insurance number: QQ 12 34 56 C
    minGrouped: 9,
    precheck: /[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/,
    pattern: /(?<![\w-])[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![\w-])/g,
    valid: ninoValid,
  },
  {
    // Indian PAN: ABCPE1234F
    minCode: 10,
    precheck: /[A-Z]{5}\d{4}[A-Z]/,
    pattern: /(?<![\w-])[A-Z]{5}\d{4}[A-Z](?![\w-])/g,
    valid: panValid,
  },
];

/**
 * Callers may skip texts whose longest grouped run (see textStats) is below 6; `lower` is `text`
 * lower-cased (same length); `longestCodeRun` and `longestGroupedRun` skip formats that cannot fit.
 */
export function detectIdentityDocuments(
  text: string, out: Span[], lower = lowerSameLength(text), longestCodeRun = Infinity, longestGroupedRun = Infinity, groupedRuns: readonly number[] | null = null,
): void {
  labelled(text, lower, out, groupedRuns);
  for (const kind of UNLABELLED) {
    if ((kind.minCode !== undefined && longestCodeRun < kind.minCode) || (kind.minGrouped !== undefined && longestGroupedRun < kind.minGrouped)) continue;
    if (!kind.precheck.test(text)) continue;
    for (const m of execAll(kind.pattern, text)) {
      if (kind.valid(m[0].replace(/[ .-]/g, ''))) out.push({ start: m.index, end: m.index + m[0].length, type: 'PASSPORT_OR_ID' });
    }
  }
}
