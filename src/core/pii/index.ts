// PII detector: finds personal data in chat text and replaces each item with a typed placeholder
// such as [EMAIL]. Pure: no I/O, no environment, lexicons are built once at module load.
//
// Each detector appends spans; overlaps are resolved by type priority (validated patterns beat
// context-based guesses), then by length. Every detector is one pass of bounded, look-behind
// anchored regexes (or a scan from '@'), so time is linear in the input length.
import { detectEmails, detectPhones } from './contact.js';
import { detectDatesOfBirth } from './dates-of-birth.js';
import { detectIdentityDocuments } from './identity-documents.js';
import { detectNumbers, mayHaveIpv6 } from './numbers.js';
import { detectPersons } from './person-names.js';
import { detectPostalAddresses } from './postal-addresses.js';
import { detectSecrets } from './secrets.js';
import { detectStreetAddresses } from './street-addresses.js';
import { lowerSameLength, textStats } from './scan.js';
import { applyPolicy, customSpans, DEFAULT_POLICY, type PiiPolicy } from './policy.js';
import { replaceSpans } from './replace.js';
import { PRIORITY, type Anonymized, type Span } from './types.js';

export { replaceSpans } from './replace.js';

export type { Anonymized, PiiCounts, PiiType, Span } from './types.js';
export { DEFAULT_POLICY, PiiConfigError, PiiPolicies, validatePiiConfig, type PiiConfigFile, type PiiPolicy } from './policy.js';

/** Custom patterns of a project policy win over the built-in detectors. */
const CUSTOM_PRIORITY = 13;

const NO_SPANS: Span[] = [];

/** All PII spans of `text`, non-overlapping, in text order, as the policy (default: every type) says. */
export function detectPii(text: string, policy: PiiPolicy = DEFAULT_POLICY): Span[] {
  const spans: Span[] = [];
  // One pass of character statistics gates the detectors: most chat messages have few digits and
  // no long code-like tokens, so most regex scans are skipped.
  const stats = textStats(text);
  const digits = stats.digits;
  const lower = lowerSameLength(text);
  detectSecrets(text, spans, stats.longestWordRun, lower, stats.hyphens, stats.colons);
  detectEmails(text, spans);
  if (digits >= 4 || mayHaveIpv6(text)) detectNumbers(text, spans, digits);
  if (stats.longestGroupedRun >= 6) detectIdentityDocuments(text, spans, lower, stats.longestCodeRun, stats.longestGroupedRun, stats.groupedRuns);
  if (digits >= 1 && (stats.addressHint || stats.cjk > 0)) {
    detectStreetAddresses(text, spans);
    detectPostalAddresses(text, spans, stats.cjk);
  }
  if (stats.dateHint) detectDatesOfBirth(text, spans, lower);
  if (digits >= 7) detectPhones(text, spans, policy.region);
  let contacts: Span[] = NO_SPANS;
  for (const s of spans) {
    if (s.type !== 'EMAIL' && s.type !== 'PHONE') continue;
    if (contacts === NO_SPANS) contacts = [];
    contacts.push(s);
  }
  detectPersons(text, spans, contacts, stats.cjk, lower, stats.capsPairs, stats.polishLetters > 0);
  if (policy === DEFAULT_POLICY) return resolveOverlaps(spans);
  customSpans(text, policy, spans);
  return resolveOverlaps(applyPolicy(text, spans, policy));
}

function resolveOverlaps(spans: Span[]): Span[] {
  if (spans.length <= 1) return spans;
  const ranked = [...spans].sort(
    (a, b) => (PRIORITY[b.type] ?? CUSTOM_PRIORITY) - (PRIORITY[a.type] ?? CUSTOM_PRIORITY) || b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const kept: Span[] = [];
  if (ranked.length <= 32) {
    for (const span of ranked) {
      if (span.end <= span.start) continue;
      if (!kept.some((k) => span.start < k.end && k.start < span.end)) kept.push(span);
    }
  } else {
    // Many spans (long inputs): mark taken characters so each check costs the span length.
    let limit = 0;
    for (const span of ranked) limit = Math.max(limit, span.end);
    const taken = new Uint8Array(limit);
    for (const span of ranked) {
      if (span.end <= span.start) continue;
      let free = true;
      for (let i = span.start; i < span.end; i++) {
        if (taken[i] === 1) {
          free = false;
          break;
        }
      }
      if (!free) continue;
      taken.fill(1, span.start, span.end);
      kept.push(span);
    }
  }
  return kept.sort((a, b) => a.start - b.start);
}

export function anonymizeText(text: string, policy: PiiPolicy = DEFAULT_POLICY): Anonymized {
  return replaceSpans(text, detectPii(text, policy));
}


