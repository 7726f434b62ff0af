// Secrets: credentials inside URLs, provider API keys with a known shape, bearer tokens, private
// key blocks, and values assigned to password/secret/token-like names in code or config.
// Every pattern starts at a word boundary enforced by a look-behind and has bounded repetition,
// so matching stays linear on long inputs.
import { execAll } from './scan.js';
import type { Span } from './types.js';

const URL_WITH_CREDENTIALS =
  /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,15}:\/\/[^\s/?#@:"'`<>]{1,64}:[^\s/?#@"'`<>]{1,128}@[^\s"'`<>()\[\]{}]{1,512}/g;

const KNOWN_KEYS = new RegExp(
  [
    'sk-(?:ant-|or-v1-|proj-|live-|test-)?[A-Za-z0-9_-]{20,200}', // OpenAI, Anthropic, OpenRouter
    '(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}', // AWS access key ids
    'gh[pousr]_[A-Za-z0-9]{30,255}', // GitHub tokens
    'github_pat_[A-Za-z0-9_]{22,255}',
    'glpat-[A-Za-z0-9_-]{20,64}', // GitLab
    'npm_[A-Za-z0-9]{30,64}',
    'xox[abposr]-[A-Za-z0-9-]{10,200}', // Slack
    '(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,200}', // Stripe
    'whsec_[A-Za-z0-9]{20,100}',
    'AIza[0-9A-Za-z_-]{35}', // Google API key
    'ya29\\.[0-9A-Za-z_-]{20,500}', // Google OAuth token
    'hf_[A-Za-z0-9]{30,64}', // Hugging Face
    'SG\\.[A-Za-z0-9_-]{16,32}\\.[A-Za-z0-9_-]{16,64}', // SendGrid
    'eyJ[A-Za-z0-9_-]{10,2000}\\.eyJ[A-Za-z0-9_-]{10,4000}\\.[A-Za-z0-9_-]{10,2000}', // JWT
    'dop_v1_[a-f0-9]{64}', // DigitalOcean
    'shpat_[a-fA-F0-9]{32}', // Shopify
    'pypi-[A-Za-z0-9_-]{50,300}',
  ].map((p) => `(?:${p})`).join('|'),
  'g',
);
const KNOWN_KEYS_BOUNDED = new RegExp(`(?<![A-Za-z0-9_-])(?:${KNOWN_KEYS.source})(?![A-Za-z0-9_-])`, 'g');

const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[\s\S]{0,10000}?-----END [A-Z ]{0,40}PRIVATE KEY-----/g;

const BEARER = /(?<![A-Za-z])(?:Bearer|Token|token)\s+([A-Za-z0-9._~+/=-]{16,2000})/g;

// name = value, name: "value", "name": "value", --name value. The value is group 1 (quoted) or 2.
const SECRET_NAME =
  '[A-Za-z0-9_.-]{0,40}(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth[_-]?key|credentials?|mot[_ ]de[_ ]passe|passwort|kennwort|contrase(?:ñ|n)a|clave)[A-Za-z0-9_.-]{0,40}';
const ASSIGNMENT = new RegExp(
  `(?<![A-Za-z0-9_])${SECRET_NAME}["']?\\s{0,3}(?:=|:|=>|:=)\\s{0,3}(?:"([^"\\n]{4,200})"|'([^'\\n]{4,200})'|([^\\s"',;)}\\]]{4,200}))`,
  'gi',
);

// A quoted high-entropy string near a secret-ish word (e.g. Terraform `default = "..."`).
const QUOTED_OPAQUE = /["'`]([A-Za-z0-9+/_=-]{16,200})["'`]/g;
const SECRET_WORD_BEFORE = /(?:key|secret|token|passw|pwd|credential)/i;

/** Everything below needs one of these words somewhere in the text. */
const SECRET_KEYWORD = /pass|pwd|secret|token|key|credential|bearer|passwort|kennwort|contrase|clave/i;

/** Values that are references or placeholders, not secrets. */
const NOT_A_SECRET =
  /^(?:\$|\{|<|%|process\.env|os\.environ|env\(|secrets\.|vars\.|getenv|\[[A-Z_]+\]$|x{3,}|\*{3,}|your|my[_-]?|example|changeme|placeholder|redacted|(?:none|null|true|false|undefined|required|optional|string|password|secret|token)$)/i;

// A password stated in prose: "my wifi password is Gatto_Nero_2023!", "contraseña ... es 'X'".
const PROSE_PASSWORD =
  /(?:password|passwort|kennwort|contraseña|contrasena|mot de passe|passcode|passphrase)[^\n.?!:=]{0,40}?\s(?:is|was|è|era|est|ist|lautet|war|es|era|sería)\s+["'`«“]?([^\s"'`»”]{6,64})/giu;
// mysql -u root -pSECRET: the password glued to -p.
const CLI_PASSWORD = /(?:mysql|mysqldump|mysqladmin|mariadb)\b[^\n]{0,80}?\s-p(?!assword)([^\s"'`]{4,64})/g;
// Long tokens mixing upper case, lower case and digits or '/': provider secrets without a known prefix
// (AWS secret access keys, base64 tokens). Hex hashes, UUIDs and identifiers are single-case or wordy.
const OPAQUE_TOKEN = /(?<![A-Za-z0-9/+_=-])[A-Za-z0-9/+]{30,200}={0,2}(?![A-Za-z0-9/+_=-])/g;

function passwordLike(value: string): boolean {
  // Letters plus digits or symbols; a plain word ("correct", "changed") is prose.
  return /\p{L}/u.test(value) && /[\d!@#$%^&*_+=?~-]/.test(value) && !NOT_A_SECRET.test(value);
}

function highEntropy(value: string): boolean {
  let upper = 0;
  let lowerCount = 0;
  let digits = 0;
  let slashes = 0;
  let changes = 0;
  let previous = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const kind = c >= 65 && c <= 90 ? 1 : c >= 97 && c <= 122 ? 2 : c >= 48 && c <= 57 ? 3 : 4;
    if (kind === 1) upper++;
    else if (kind === 2) lowerCount++;
    else if (kind === 3) digits++;
    else slashes++;
    if (i > 0 && kind !== previous) changes++;
    previous = kind;
  }
  if (slashes > 0 && /^\/|\/\/|\/$/.test(value)) return false; // paths
  return upper >= 3 && lowerCount >= 3 && digits + slashes >= 1 && changes >= value.length / 4;
}

function looksOpaque(value: string): boolean {
  // A secret mixes character classes; prose words and identifiers like ANTHROPIC_API_KEY do not.
  const hasDigit = /\d/.test(value);
  const hasLower = /[a-z]/.test(value);
  const hasUpper = /[A-Z]/.test(value);
  const classes = (hasDigit ? 1 : 0) + (hasLower ? 1 : 0) + (hasUpper ? 1 : 0);
  return classes >= 2 && !/^[A-Z0-9_]+$/.test(value) && !/^[a-z]+(?:[._-][a-z]+)*$/.test(value);
}

/** `longestWordRun`: longest run of [A-Za-z0-9_-] in `text` (see textStats); known key shapes need 13+. */
export function detectSecrets(text: string, out: Span[], longestWordRun = Infinity): void {
  if (text.includes('://')) {
    for (const m of execAll(URL_WITH_CREDENTIALS, text)) {
      let end = m.index + m[0].length;
      while (end > m.index && '.,;:!?'.includes(text.charAt(end - 1))) end--;
      out.push({ start: m.index, end, type: 'URL_WITH_CREDENTIALS' });
    }
  }
  // Every known key shape has a run of 13+ word characters or dashes: skip the big alternation otherwise.
  if (longestWordRun >= 13) {
    for (const m of execAll(KNOWN_KEYS_BOUNDED, text)) {
      out.push({ start: m.index, end: m.index + m[0].length, type: 'API_KEY' });
    }
  }
  if (text.includes('-----BEGIN')) {
    for (const m of execAll(PRIVATE_KEY_BLOCK, text)) out.push({ start: m.index, end: m.index + m[0].length, type: 'API_KEY' });
  }
  if (text.includes(' -p')) {
    for (const m of execAll(CLI_PASSWORD, text)) {
      const value = m[1] ?? '';
      const start = m.index + m[0].length - value.length;
      out.push({ start, end: start + value.length, type: 'API_KEY' });
    }
  }
  if (!SECRET_KEYWORD.test(text)) return;
  for (const m of execAll(OPAQUE_TOKEN, text)) {
    if (highEntropy(m[0])) out.push({ start: m.index, end: m.index + m[0].length, type: 'API_KEY' });
  }
  for (const m of execAll(PROSE_PASSWORD, text)) {
    const value = (m[1] ?? '').replace(/[.,;:)]+$/, '');
    if (!passwordLike(value)) continue;
    const start = m.index + m[0].length - (m[1] ?? '').length;
    out.push({ start, end: start + value.length, type: 'API_KEY' });
  }

  for (const m of execAll(BEARER, text)) {
    const token = m[1] ?? '';
    if (!looksOpaque(token)) continue;
    const start = m.index + m[0].length - token.length;
    out.push({ start, end: start + token.length, type: 'API_KEY' });
  }
  for (const m of execAll(ASSIGNMENT, text)) {
    const value = m[1] ?? m[2] ?? m[3] ?? '';
    if (value.length < 4 || NOT_A_SECRET.test(value) || /\s{2,}/.test(value)) continue;
    // Natural-language values ("password: is it safe") are prose unless they look opaque.
    if (m[3] !== undefined && !looksOpaque(value) && value.length < 8) continue;
    if (/\s/.test(value) && !looksOpaque(value)) continue;
    const start = m.index + m[0].length - value.length - (m[3] === undefined ? 1 : 0);
    out.push({ start, end: start + value.length, type: 'API_KEY' });
  }
  for (const m of execAll(QUOTED_OPAQUE, text)) {
    const value = m[1] ?? '';
    if (!looksOpaque(value) || !/\d/.test(value) || NOT_A_SECRET.test(value)) continue;
    const before = text.slice(Math.max(0, m.index - 80), m.index);
    if (!SECRET_WORD_BEFORE.test(before)) continue;
    out.push({ start: m.index + 1, end: m.index + 1 + value.length, type: 'API_KEY' });
  }
}

