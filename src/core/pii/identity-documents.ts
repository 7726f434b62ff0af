// Passport and identity document numbers: a code-like token right after a document label in one
// of the chat languages, or a national ID whose check character validates without a label
// (Spanish DNI/NIE, Italian codice fiscale).
import { codiceFiscaleValid, spanishIdValid } from './checksums.js';
import { execAll } from './scan.js';
import type { Span } from './types.js';

const DOCUMENT_LABEL = new RegExp(
  [
    'passport', 'passeport', 'pasaporte', 'passaporto', 'reisepass', '\\bpass(?:nummer|nr)',
    "driver'?s licen[cs]e", 'driving licen[cs]e', 'licen[cs]e (?:number|no)', '\\bDL (?:number|no|#)',
    'identity (?:card|number|document)', 'national (?:id|identity|insurance)', '\\bid (?:card|number|no\\.?|#)',
    '(?:my|his|her|their|your) id\\b', 'codice fiscale',
    "carta d['’]identit[àa]", "carte d['’]identit[ée]", '\\bCNI\\b', 'personalausweis', 'ausweis(?:nummer)?',
    'steuer-?id', 'steueridentifikationsnummer', 'c[ée]dula', 'documento de identidad', "numero d['’]identit",
    'personnummer', 'tax id',
    'social insurance number', 'health card', 'medicare (?:number|card)', 'tessera sanitaria', 'carte vitale',
  ].join('|'),
  'gi',
);
// Acronyms are matched case-sensitively: "nie" (German "never") or "sin" (Spanish "without") are words.
const DOCUMENT_ACRONYM = /\b(?:NIE|DNI|NIF|CIF|CF|CNI|NINO|NI number|SIN|TFN|BSN|PESEL|TIN|ID|ID No\.?)\b/g;

const DOCUMENT_TOKEN = /(?<![\w-])(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{4,22}[A-Z0-9](?![\w-])/g;
const UNLABELLED_ID = /(?<![\w-])(?:[XYZ]-?\d{7}-?[A-Z]|\d{8}-?[A-Z]|[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPR-T][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z])(?![\w-])/g;

/** K8827104 -> A9999999: letters and digits by position. */
function shapeOf(value: string): string {
  let shape = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    shape += c >= 48 && c <= 57 ? '9' : c >= 65 && c <= 90 ? 'A' : value.charAt(i);
  }
  return shape;
}

/** Callers may skip texts without a run of 6+ [A-Z0-9-] characters (no document number fits). */
export function detectIdentityDocuments(text: string, out: Span[]): void {
  for (const m of [...execAll(DOCUMENT_LABEL, text), ...execAll(DOCUMENT_ACRONYM, text)]) {
    if (m[0] === 'ID' && /(?:meeting|order|user|client|session|request|tracking|transaction|app|project|product|customer|account|device|chat|thread|message|event|job|process|group|channel|ticket|invoice|booking|reservation|apple|google)\s*$/i.test(text.slice(Math.max(0, m.index - 20), m.index))) continue;
    const from = m.index + m[0].length;
    const window = text.slice(from, from + 60);
    DOCUMENT_TOKEN.lastIndex = 0;
    const token = DOCUMENT_TOKEN.exec(window);
    if (!token) continue;
    const value = token[0];
    // Dates and plain short numbers are not document numbers.
    if (/^\d{1,5}$/.test(value) || /^\d{4}-\d{2}-\d{2}$/.test(value)) continue;
    out.push({ start: from + token.index, end: from + token.index + value.length, type: 'PASSPORT_OR_ID' });
    // "passport no. K8827104 and my wife's, P3390217": more numbers of the same shape follow.
    const shape = shapeOf(value);
    let next: RegExpExecArray | null;
    while ((next = DOCUMENT_TOKEN.exec(window)) !== null) {
      if (shapeOf(next[0]) !== shape) continue;
      out.push({ start: from + next.index, end: from + next.index + next[0].length, type: 'PASSPORT_OR_ID' });
    }
  }
  if (!/\d{7}-?[A-Z]|[A-Z]{6}[0-9LMNPQRSTUV]{2}/.test(text)) return;
  for (const m of execAll(UNLABELLED_ID, text)) {
    const compact = m[0].replace(/-/g, '');
    if (compact.length === 16 ? codiceFiscaleValid(compact) : spanishIdValid(compact)) {
      out.push({ start: m.index, end: m.index + m[0].length, type: 'PASSPORT_OR_ID' });
    }
  }
}
