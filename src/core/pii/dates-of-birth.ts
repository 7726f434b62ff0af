// Dates of birth: any date written with a year, preceded by a birth cue in one of the chat
// languages. Dates without such a cue (events, deadlines, timestamps) are kept.
import { execAll } from './scan.js';
import type { Span } from './types.js';

const MONTHS =
  'january|february|march|april|may|june|july|august|september|october|november|december|' +
  'jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|' +
  'novembre|november|noviembre|gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|dicembre|' +
  'janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|décembre|decembre|' +
  'januar|jänner|februar|märz|maerz|juni|juli|oktober|dezember|' +
  'enero|febrero|abril|mayo|junio|julio|septiembre|setiembre|octubre|noviembre|diciembre';

const DATE = new RegExp(
  [
    // 14 August 1954, 2 novembre 1979, 12. März 1980, 3 de mayo de 1985, 1st of May 1990
    `(?<![\\p{L}\\d])\\d{1,2}(?:st|nd|rd|th|er|º|°)?\\.?\\s(?:of\\s|de\\s)?(?:${MONTHS})\\.?,?\\s(?:de\\s|del\\s)?\\d{4}(?!\\d)`,
    // October 30, 1983 / Oct 30 1983
    `(?<![\\p{L}\\d])(?:${MONTHS})\\.?\\s\\d{1,2}(?:st|nd|rd|th)?,?\\s\\d{4}(?!\\d)`,
    // 22/11/1975, 22.11.75, 11-22-1975
    `(?<![\\w./-])\\d{1,2}[/.-]\\d{1,2}[/.-](?:\\d{4}|\\d{2})(?![\\w/]|[.-]\\d)`,
    // 1988-07-04, 1988/07/04
    `(?<![\\w./-])(?:19|20)\\d{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\\d|3[01])(?![\\w:]|[.-]\\d)`,
  ].join('|'),
  'giu',
);

const BIRTH_CUE =
  /(?:\bborn\b|\bdob\b|d\.o\.b|date of birth|birth ?date|birthday(?: is)?|\bb\.\s?|nat[oa] il|nat[oa] a\b|data di nascita|nascita|né le|née le|\bné\b|\bnée\b|date de naissance|naissance|geboren|geburtsdatum|geburtstag|\bgeb\.|fecha de nacimiento|nacimiento|nac[ií]d[oa]|nací|naci el)/i;

// Verb-final word order: "Ich bin am 17. März 1984 geboren", "il 3 maggio 1980 sono nato".
const BIRTH_CUE_AFTER = /^[\s,)]{0,3}(?:geboren|born|sono nat[oa]|nat[oa]|né|née|nacid[oa]|naci)(?![\p{L}])/iu;

export function detectDatesOfBirth(text: string, out: Span[]): void {
  if (!BIRTH_CUE.test(text)) return;
  for (const m of execAll(DATE, text)) {
    const before = text.slice(Math.max(0, m.index - 60), m.index);
    const end = m.index + m[0].length;
    if (!BIRTH_CUE.test(before) && !BIRTH_CUE_AFTER.test(text.slice(end, end + 16))) continue;
    out.push({ start: m.index, end: m.index + m[0].length, type: 'DATE_OF_BIRTH' });
  }
}
