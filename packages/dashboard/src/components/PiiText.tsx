// Stored text with the placeholders that PII removal left in it ([EMAIL], [PERSON], …) shown as
// such: marked and explained, never hidden, so a reader sees that something was removed and what.
const PLACEHOLDER = /\[(PERSON|EMAIL|PHONE|CREDIT_CARD|IBAN|IP_ADDRESS|US_SSN|STREET_ADDRESS|DATE_OF_BIRTH|PASSPORT_OR_ID|API_KEY|URL_WITH_CREDENTIALS)\]/g;

const NAMES: Record<string, string> = {
  PERSON: 'a person’s name', EMAIL: 'an email address', PHONE: 'a phone number', CREDIT_CARD: 'a card number',
  IBAN: 'a bank account (IBAN)', IP_ADDRESS: 'an IP address', US_SSN: 'a social security number',
  STREET_ADDRESS: 'a street address', DATE_OF_BIRTH: 'a date of birth', PASSPORT_OR_ID: 'an identity document number',
  API_KEY: 'an API key or secret', URL_WITH_CREDENTIALS: 'a URL with credentials',
};

export function PiiText({ text, limit }: { text: string | null; limit?: number }) {
  if (text === null) return <span class="muted">(content not stored)</span>;
  const shown = limit !== undefined && text.length > limit ? `${text.slice(0, limit).trimEnd()}…` : text;
  const parts: (string | { type: string })[] = [];
  let last = 0;
  for (const match of shown.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push(shown.slice(last, match.index));
    parts.push({ type: match[1]! });
    last = match.index + match[0].length;
  }
  if (last < shown.length) parts.push(shown.slice(last));
  return (
    <>
      {parts.map((p, k) => typeof p === 'string'
        ? p
        : <mark key={k} class="pii" title={`Removed: ${NAMES[p.type] ?? p.type}`}>[{p.type}]</mark>)}
    </>
  );
}
