// Number-shaped PII with validation: payment cards (Luhn + issuer prefix + grouping), IBANs
// (mod 97), US SSNs (SSA assignment rules) and IP addresses (public, non-reserved only).
import { ibanValid, luhnValid } from './checksums.js';
import { execAll } from './scan.js';
import type { Span } from './types.js';

// Runs of digits separated by single spaces or hyphens; validated and trimmed afterwards.
const DIGIT_RUN = /(?<![\w.,-])\d(?:[ -]?\d){11,22}(?![\w]|[.,]\d)/g;

function cardGroupingOk(groups: string[]): boolean {
  if (groups.length === 1) return true;
  const sizes = groups.map((g) => g.length).join('-');
  return /^4-4-4-(?:1|2|3|4|4-3)$/.test(sizes) || sizes === '4-6-5' || sizes === '4-6-4' || sizes === '4-4-5';
}

function detectCards(text: string, out: Span[]): void {
  for (const m of execAll(DIGIT_RUN, text)) {
    const run = m[0];
    const groups = run.split(/[ -]/);
    // Try the longest prefix of groups that forms a valid card (a following number may be glued on).
    for (let n = groups.length; n >= 1; n--) {
      const part = groups.slice(0, n);
      const digits = part.join('');
      if (digits.length < 13) break;
      if (digits.length > 19) continue;
      if (!/^[2-6]/.test(digits) || !cardGroupingOk(part) || !luhnValid(digits)) continue;
      const length = part.join(' ').length;
      out.push({ start: m.index, end: m.index + length, type: 'CREDIT_CARD' });
      break;
    }
  }
}

const IBAN_CANDIDATE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,32}(?![A-Za-z0-9])/g;

function detectIbans(text: string, out: Span[]): void {
  for (const m of execAll(IBAN_CANDIDATE, text)) {
    const raw = m[0];
    // Shrink from the right until the compact form validates (text may follow the IBAN).
    for (let end = raw.length; end >= 15; end--) {
      const c = raw.charAt(end - 1);
      if (c === ' ') continue;
      const compact = raw.slice(0, end).replace(/ /g, '');
      if (ibanValid(compact)) {
        out.push({ start: m.index, end: m.index + end, type: 'IBAN' });
        break;
      }
    }
  }
}

const SSN_DASHED = /(?<![\w-])(\d{3})-(\d{2})-(\d{4})(?![\w]|-\d)/g;
const SSN_LABELLED = /(?:\bSSN|social security(?: number| no\.?| #)?|\bSSA)\b[^\d\n]{0,20}(\d{3})[ .]?(\d{2})[ .]?(\d{4})(?!\d)/gi;

function ssnValid(area: string, group: string, serial: string): boolean {
  return area !== '000' && area !== '666' && area.charAt(0) !== '9' && group !== '00' && serial !== '0000';
}

function detectSsns(text: string, out: Span[]): void {
  for (const m of execAll(SSN_DASHED, text)) {
    if (!ssnValid(m[1] ?? '', m[2] ?? '', m[3] ?? '')) continue;
    out.push({ start: m.index, end: m.index + m[0].length, type: 'US_SSN' });
  }
  for (const m of execAll(SSN_LABELLED, text)) {
    if (!ssnValid(m[1] ?? '', m[2] ?? '', m[3] ?? '')) continue;
    const value = `${m[1]}${m[2]}${m[3]}`;
    const start = m.index + m[0].search(/\d/);
    if (value.length !== 9) continue;
    out.push({ start, end: m.index + m[0].length, type: 'US_SSN' });
  }
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`(?<![\\w.-])${OCTET}(?:\\.${OCTET}){3}(?![\\w-]|\\.\\d)`, 'g');

/** Well-known public resolvers and example addresses that identify nobody. */
const PUBLIC_IPS = new Set([
  '8.8.8.8', '8.8.4.4', '1.1.1.1', '1.0.0.1', '9.9.9.9', '149.112.112.112', '208.67.222.222',
  '208.67.220.220', '4.2.2.2', '4.2.2.1', '64.6.64.6', '64.6.65.6', '94.140.14.14', '76.76.2.0',
  '1.1.1.2', '1.1.1.3', '185.228.168.9', '8.26.56.26',
]);

function ipv4IsPersonal(ip: string): boolean {
  if (PUBLIC_IPS.has(ip)) return false;
  const [a = 0, b = 0, c = 0, d = 0] = ip.split('.').map(Number);
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false; // this-net, private, loopback, multicast
  if (a === 169 && b === 254) return false; // link-local
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 100 && b >= 64 && b <= 127) return false; // CGNAT
  if ((a === 192 && b === 0 && c === 2) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return false; // docs
  if (a === 198 && (b === 18 || b === 19)) return false; // benchmarking
  if (a === 255 || (a < 10 && b < 10 && c < 10 && d < 10)) return false; // masks, "1.2.3.4"-style versions
  return true;
}

const IPV6_CANDIDATE = /(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])/g;

const PUBLIC_IPV6 = new Set([
  '2001:4860:4860::8888', '2001:4860:4860::8844', '2606:4700:4700::1111', '2606:4700:4700::1001',
  '2620:fe::fe', '2620:fe::9', '2620:119:35::35', '2620:119:53::53',
]);

function ipv6Groups(candidate: string): string[] | null {
  const halves = candidate.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  if ([...head, ...tail].some((g) => g.length === 0 || g.length > 4)) return null;
  const count = head.length + tail.length;
  if (halves.length === 1 ? count !== 8 : count > 7) return null;
  if (count < 3 && !(count === 1 && candidate === '::1')) return null;
  return [...head, ...tail];
}

function ipv6IsPersonal(candidate: string, groups: string[]): boolean {
  const lower = candidate.toLowerCase();
  if (PUBLIC_IPV6.has(lower) || lower === '::1' || lower === '::') return false;
  const first = parseInt(groups[0] ?? '0', 16);
  if (candidate.startsWith('::')) return false; // unspecified/loopback/mapped forms
  if ((first & 0xffc0) === 0xfe80 || (first & 0xfe00) === 0xfc00 || (first & 0xff00) === 0xff00) return false;
  if (lower.startsWith('2001:db8:') || lower.startsWith('2001:0db8:')) return false; // documentation
  return true;
}

/** IPv6 needs '::' or seven ':' separators. */
export function mayHaveIpv6(text: string): boolean {
  let colon = text.indexOf(':');
  if (colon === -1) return false;
  if (text.includes('::')) return true;
  let count = 0;
  while (colon !== -1) {
    if (++count >= 7) return true;
    colon = text.indexOf(':', colon + 1);
  }
  return false;
}

function detectIps(text: string, out: Span[], digits: number): void {
  for (const m of digits >= 4 ? execAll(IPV4, text) : []) {
    if (ipv4IsPersonal(m[0])) out.push({ start: m.index, end: m.index + m[0].length, type: 'IP_ADDRESS' });
  }
  if (mayHaveIpv6(text)) {
    for (const m of execAll(IPV6_CANDIDATE, text)) {
      const groups = ipv6Groups(m[0]);
      if (groups && ipv6IsPersonal(m[0], groups)) out.push({ start: m.index, end: m.index + m[0].length, type: 'IP_ADDRESS' });
    }
  }
}

/** `digits`: how many ASCII digits `text` has (skips shapes that need more). */
export function detectNumbers(text: string, out: Span[], digits = 99): void {
  if (digits >= 12) detectCards(text, out);
  if (digits >= 8) detectIbans(text, out);
  if (digits >= 9) detectSsns(text, out);
  detectIps(text, out, digits);
}
