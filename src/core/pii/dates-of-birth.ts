// Dates of birth: any date written with a year, with a birth cue before it (or, in verb-final
// sentences, after it) in one of the chat languages. Dates without such a cue (events, deadlines,
// timestamps) are kept, and so are birth dates before 1900: nobody alive was born then, they are
// history ("Mozart was born on 27 January 1756").
import { execAll, lowerSameLength } from './scan.js';
import type { Span } from './types.js';

const MONTHS = [
  // en
  'january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec',
  // it
  'gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre|genn?|febb?|magg?|giu|lug|ago|sett?|ott|dic',
  // fr
  'janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|décembre|decembre|janv|févr|fevr|avr|juil|déc',
  // de
  'januar|jänner|februar|märz|maerz|juni|juli|oktober|dezember|jän|mär|okt|dez',
  // es
  'enero|febrero|abril|mayo|junio|julio|septiembre|setiembre|octubre|noviembre|diciembre|ene|abr|dic',
  // pt
  'janeiro|fevereiro|março|marco|maio|junho|julho|setembro|outubro|dezembro|fev|out|dez',
  // nl
  'januari|februari|maart|mei|augustus|oktober',
  // pl (nominative and the genitive used in dates)
  'styczeń|stycznia|luty|lutego|marzec|marca|kwiecień|kwietnia|maj|maja|czerwiec|czerwca|lipiec|lipca|sierpień|sierpnia|wrzesień|września|wrzesnia|październik|października|pazdziernika|listopad|listopada|grudzień|grudnia',
].join('|');

const DATE = new RegExp(
  [
    // 14 August 1954, 2 novembre 1979, 12. März 1980, 3 de mayo de 1985, 1st of May 1990, 5 maja 1990
    `(?<![\\p{L}\\d])\\d{1,2}(?:st|nd|rd|th|er|e|º|°|ª)?\\.?\\s(?:of\\s|de\\s)?(?:${MONTHS})\\.?,?\\s(?:de\\s|del\\s)?\\d{4}(?!\\d)`,
    // October 30, 1983 / Oct 30 1983 / July 4th, 1985
    `(?<![\\p{L}\\d])(?:${MONTHS})\\.?\\s\\d{1,2}(?:st|nd|rd|th)?,?\\s\\d{4}(?!\\d)`,
    // 22/11/1975, 22.11.75, 11-22-1975, 22. 11. 1975
    `(?<![\\w./-])\\d{1,2}(?:[/.-]|\\.\\s)\\d{1,2}(?:[/.-]|\\.\\s)(?:\\d{4}|\\d{2})(?![\\w/]|[.-]\\d)`,
    // 1988-07-04, 1988/07/04, 1988.07.04
    `(?<![\\w./-])(?:19|20)\\d{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\\d|3[01])(?![\\w:]|[.-]\\d)`,
  ].join('|'),
  'giu',
);

// Words and abbreviations that say "birth" in the chat languages, matched on the lower-cased text
// (without the i and u flags the regex engine can search for the literals fast).
const BIRTH_CUE = new RegExp(
  // Every cue starts with one of these letters: positions starting otherwise are rejected at once.
  '(?=[bdnguf])(?:' +
  [
    '\\bborn\\b', '\\bdob\\b', 'd\\.o\\.b', 'date of birth', 'birth ?date', 'birthday', '\\bb\\.\\s?',
    // it
    'nat[oa] il', 'nat[oa] a\\b', 'nascit[ae]',
    // fr
    'né le', 'née le', '\\bné\\b', '\\bnée\\b', 'naissance',
    // de
    'geboren', 'geburt', '\\bgeb\\.',
    // es
    'nacimiento', 'nac[ií]d[oa]', 'nací', 'naci el', '\\bnac\\.',
    // pt
    'nascimento', 'nasci\\b', 'nascid[oa]', '\\bnasc\\.',
    // nl
    'geboortedatum', 'geboren', '\\bgeb\\.',
    // pl
    'urodzeni[ae]', 'urodzi[łl]', 'urodzon[ya]', '\\bur\\.', 'data ur',
  ].join('|') + ')',
);

// Verb-final word order: "Ich bin am 17. März 1984 in Dresden geboren", "il 3 maggio 1980 sono nato".
const BIRTH_CUE_AFTER =
  /^[\s,)]{0,3}(?:[\p{L}]+\s){0,3}(?:geboren|born|sono nat[oa]|nat[oa]|né|née|nacid[oa]|naci|nasci|urodzi[łl](?:em|am)?)(?![\p{L}])/iu;

/** The four-digit (or two-digit) year of a matched date. */
function yearOf(date: string): number {
  const four = /(?<!\d)(\d{4})(?!\d)/.exec(date);
  if (four) return Number(four[1]);
  const two = /(\d{2})$/.exec(date);
  return two ? 1900 + Number(two[1]) : 2000;
}

/** `lower`: `text` lower-cased, of the same length. */
export function detectDatesOfBirth(text: string, out: Span[], lower = lowerSameLength(text)): void {
  if (!BIRTH_CUE.test(lower)) return;
  for (const m of execAll(DATE, text)) {
    const end = m.index + m[0].length;
    const before = lower.slice(Math.max(0, m.index - 60), m.index);
    if (!BIRTH_CUE.test(before) && !BIRTH_CUE_AFTER.test(text.slice(end, end + 40))) continue;
    if (yearOf(m[0]) < 1900) continue;
    out.push({ start: m.index, end, type: 'DATE_OF_BIRTH' });
  }
}
