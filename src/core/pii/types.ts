// Public types of the PII detector and the span shape the detectors share.

export type PiiType =
  | 'PERSON'
  | 'EMAIL'
  | 'PHONE'
  | 'CREDIT_CARD'
  | 'IBAN'
  | 'IP_ADDRESS'
  | 'US_SSN'
  | 'STREET_ADDRESS'
  | 'DATE_OF_BIRTH'
  | 'PASSPORT_OR_ID'
  | 'API_KEY'
  | 'URL_WITH_CREDENTIALS';

export type PiiCounts = Partial<Record<PiiType, number>>;

export interface Anonymized {
  text: string;
  counts: PiiCounts;
}

/** A detected span [start, end) of the input. Higher priority wins when spans overlap. */
export interface Span {
  start: number;
  end: number;
  type: PiiType;
}

/** Which type wins an overlap: specific, validated patterns beat context-based ones. */
export const PRIORITY: Readonly<Record<PiiType, number>> = {
  URL_WITH_CREDENTIALS: 12,
  API_KEY: 11,
  EMAIL: 10,
  IBAN: 9,
  CREDIT_CARD: 8,
  US_SSN: 7,
  IP_ADDRESS: 7,
  PASSPORT_OR_ID: 6,
  DATE_OF_BIRTH: 5,
  PHONE: 4,
  STREET_ADDRESS: 3,
  PERSON: 2,
};
