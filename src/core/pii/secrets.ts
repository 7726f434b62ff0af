// Secrets: credentials inside URLs, provider API keys with a known shape, bearer tokens, private
// key blocks, and values assigned to password/secret/token-like names in code or config.
// Every pattern starts at a word boundary enforced by a look-behind and has bounded repetition,
// so matching stays linear on long inputs.
import { execAll } from './scan.js';
import type { Span } from './types.js';

// scheme://user:password@host (the user may be empty: redis://:secret@host).
const URL_WITH_CREDENTIALS =
  /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,15}:\/\/([^\s/?#@:"'`<>]{0,64}):([^\s/?#@"'`<>]{1,128})@[^\s"'`<>()\[\]{}]{1,512}/g;
// scheme://TOKEN@host: a token alone as the user (Sentry DSNs, https://ghp_...@github.com).
const URL_WITH_TOKEN_USER = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,15}:\/\/([A-Za-z0-9_.~-]{16,128})@[^\s"'`<>()\[\]{}]{1,512}/g;
/** Userinfo passwords that are placeholders in docs and templates, not secrets. */
const PLACEHOLDER_PASSWORD =
  /^(?:password|passwd|pass|pwd|secret|changeme|your[_-]?password|mypassword|xxx+|\*+|\.\.\.|<[^>]*>|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\{\{[^}]*\}\}|%[A-Za-z_]+%|\[[^\]]*\])$/i;

// Any URL, for the query-token and path-token checks (the scan starts at "://").
const URL_ANY = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,15}:\/\/[^\s"'`<>()\[\]{}]{3,2048}/g;
/** Query parameters that carry credentials: tokens, keys, signatures of presigned and SAS URLs. */
const TOKEN_PARAM =
  /[?&;](?:access_token|auth_token|id_token|refresh_token|token|api_key|apikey|api-key|key|access_key|accesskey|secret|client_secret|password|passwd|pwd|pass|passcode|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|x-goog-security-token|code|session|sessionid|session_id|sid|jwt|auth|authorization|rlkey|otp|hmac|ticket)=([^&#\s"'<>]{8,})/i;
/** Hosts whose URLs are credentials by themselves (incoming webhooks). */
const WEBHOOK_URL =
  /^[a-z]+:\/\/(?:hooks\.slack\.com\/(?:services|workflows|triggers)\/|(?:(?:ptb|canary)\.)?discord(?:app)?\.com\/api\/webhooks\/|[a-z0-9-]+\.webhook\.office\.com\/|outlook\.office(?:365)?\.com\/webhook|hooks\.zapier\.com\/hooks\/|api\.telegram\.org\/bot|maker\.ifttt\.com\/trigger\/|chat\.googleapis\.com\/v1\/spaces\/|[a-z0-9-]+\.logic\.azure\.com\/workflows\/|hook\.(?:eu\d|us\d)\.make\.com\/|hooks\.airtable\.com\/|api\.mailgun\.net\/v3\/[^/]+\/messages\?|[^/]*webhook[^/]*\/[^\s]*[0-9a-f]{16})/i;

const KNOWN_KEYS = new RegExp(
  [
    'sk-(?:ant-|or-v1-|proj-|live-|test-|lf-|svcacct-|admin-)?[A-Za-z0-9_-]{20,200}', // OpenAI, Anthropic, OpenRouter, Langfuse
    '(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ABIA|ACCA)[0-9A-Z]{16}', // AWS access key ids
    'gh[pousr]_[A-Za-z0-9]{30,255}', // GitHub tokens
    'github_pat_[A-Za-z0-9_]{22,255}',
    'gl(?:pat|dt|ptt|rt|cbt|soat|ffct|oas)-[A-Za-z0-9_-]{20,64}', // GitLab
    'npm_[A-Za-z0-9]{30,64}',
    'xox[abposre]-[A-Za-z0-9-]{10,200}', // Slack
    'xapp-\\d-[A-Z0-9]{8,16}-\\d{8,16}-[a-f0-9]{32,80}',
    '(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,200}', // Stripe (and Clerk, Paystack)
    'whsec_[A-Za-z0-9]{20,100}',
    'AIza[0-9A-Za-z_-]{35}', // Google API key
    'ya29\\.[0-9A-Za-z_-]{20,500}', // Google OAuth token
    'GOCSPX-[A-Za-z0-9_-]{24,32}', // Google OAuth client secret
    '(?:hf_|api_org_)[A-Za-z0-9]{30,64}', // Hugging Face
    'SG\\.[A-Za-z0-9_-]{16,32}\\.[A-Za-z0-9_-]{16,64}', // SendGrid
    'eyJ[A-Za-z0-9_-]{10,2000}\\.eyJ[A-Za-z0-9_-]{10,4000}\\.[A-Za-z0-9_-]{10,2000}', // JWT
    'do[por]_v1_[a-f0-9]{64}', // DigitalOcean
    'shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}', // Shopify
    'pypi-[A-Za-z0-9_-]{50,300}',
    '(?:AC|SK)[0-9a-f]{32}', // Twilio account and API key SIDs
    '[0-9a-f]{32}-us\\d{1,2}', // Mailchimp
    'key-[0-9a-f]{32}', // Mailgun
    '[MNO][A-Za-z0-9_-]{23,27}\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,40}', // Discord bot token
    '\\d{8,10}:AA[A-Za-z0-9_-]{32,34}', // Telegram bot token
    'dckr_pat_[A-Za-z0-9_-]{27,64}', // Docker Hub
    'lin_(?:api|oauth)_[A-Za-z0-9]{40,64}', // Linear
    '(?:secret_[A-Za-z0-9]{43}|ntn_[A-Za-z0-9]{40,50})', // Notion
    'ATATT[A-Za-z0-9_=-]{100,300}', // Atlassian API token
    'ATBB[A-Za-z0-9_=.-]{32,100}', // Bitbucket
    'EAA[A-Za-z0-9_-]{56,300}', // Square, Meta access tokens
    'sq0(?:atp|csp|idp)-[A-Za-z0-9_-]{22,60}', // Square
    'access_token\\$(?:production|sandbox)\\$[0-9a-z]{16}\\$[0-9a-f]{32}', // Braintree / PayPal
    'hv[sbr]\\.[A-Za-z0-9_-]{24,200}', // HashiCorp Vault
    'dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{40,50}', // Doppler
    'PMAK-[a-f0-9]{24}-[a-f0-9]{34}', // Postman
    'sntr[ysu]s?_[A-Za-z0-9_=+/-]{30,200}', // Sentry
    'gl(?:sa|c)_[A-Za-z0-9_+/=]{32,200}', // Grafana
    'sbp_[a-f0-9]{40}', // Supabase
    'pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.-]{32,64}', // PlanetScale
    'NR(?:AK|JS|II)-[A-Za-z0-9]{19,32}', // New Relic
    'sk\\.eyJ[A-Za-z0-9_-]{20,200}\\.[A-Za-z0-9_-]{20,200}', // Mapbox secret token
    'gsk_[A-Za-z0-9]{48,56}', // Groq
    'r8_[A-Za-z0-9]{37}', // Replicate
    'pplx-[A-Za-z0-9]{48}', // Perplexity
    'xai-[A-Za-z0-9]{60,90}', // xAI
    'pcsk_[A-Za-z0-9_]{40,100}', // Pinecone
    'lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}', // LangSmith
    'dapi[a-f0-9]{32}(?:-\\d)?', // Databricks
    'tskey-[a-z]{3,10}-[A-Za-z0-9]{10,30}-[A-Za-z0-9]{20,50}', // Tailscale
    'fo1_[A-Za-z0-9_-]{43}', // Fly.io
    'nfp_[A-Za-z0-9]{36,40}', // Netlify
    'rnd_[A-Za-z0-9]{32}', // Render
    'pat[A-Za-z0-9]{14}\\.[a-f0-9]{64}', // Airtable
    'figd_[A-Za-z0-9_-]{40,50}', // Figma
    'sl\\.[A-Za-z0-9_-]{130,200}', // Dropbox
    'AGE-SECRET-KEY-1[0-9A-Z]{58}', // age
    'HRKU-[A-Za-z0-9_-]{60}', // Heroku
    'LTAI[A-Za-z0-9]{12,20}', // Alibaba Cloud
    'AKID[A-Za-z0-9]{32}', // Tencent Cloud
    '[A-Za-z0-9_~.-]{3}8Q~[A-Za-z0-9_~.-]{31,34}', // Azure AD client secret
    'xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}', // Brevo
    're_[A-Za-z0-9]{8}_[A-Za-z0-9]{24}', // Resend
    'mlsn\\.[a-f0-9]{64}', // MailerSend
    'rzp_(?:live|test)_[A-Za-z0-9]{14}', // Razorpay
    'FLWSECK(?:_TEST)?-[a-f0-9]{32}-X', // Flutterwave
    'CFPAT-[A-Za-z0-9_-]{43}', // Contentful
    'sq[pua]_[a-f0-9]{40}', // SonarQube
    'bkua_[a-f0-9]{40}', // Buildkite
    '[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_-]{60,70}', // Terraform Cloud
    'pul-[a-f0-9]{40}', // Pulumi
    'rubygems_[a-f0-9]{48}', // RubyGems
    'oy2[a-z0-9]{43}', // NuGet
    'dt0c01\\.[A-Z0-9]{24}\\.[A-Z0-9]{64}', // Dynatrace
    'shippo_(?:live|test)_[a-f0-9]{40}', // Shippo
    'EZ[AT]K[a-zA-Z0-9]{54}', // EasyPost
    'duffel_(?:test|live)_[A-Za-z0-9_-]{43}', // Duffel
    'tfp_[A-Za-z0-9_.-]{44,60}', // Typeform
    'napi_[a-z0-9]{64}', // Neon
    'ops_eyJ[A-Za-z0-9_-]{100,2000}', // 1Password service account
    'pk_\\d{6,10}_[A-Z0-9]{32}', // ClickUp
    'FwoGZXIvYXdzE[A-Za-z0-9/+=]{100,2000}|IQoJb3JpZ2luX2Vj[A-Za-z0-9/+=]{100,2000}', // AWS session tokens
  ].map((p) => `(?:${p})`).join('|'),
  'g',
);
const KNOWN_KEYS_BOUNDED = new RegExp(`(?<![A-Za-z0-9_-])(?:${KNOWN_KEYS.source})(?![A-Za-z0-9_-])`, 'g');

// A private key block, also when pasted without its END line or with its line breaks escaped in JSON.
const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z ]{0,40}PRIVATE KEY( BLOCK)?-----(?:\\n|\\r|[\sA-Za-z0-9+/=:,-]){0,12000}?(?:-----END [A-Z ]{0,40}PRIVATE KEY( BLOCK)?-----|(?=[^\\\sA-Za-z0-9+/=:,-])|$)/g;
// A base64 body of a key without its BEGIN line: DER starts "MII"/"MIG"/"MHc", OpenSSH "b3BlbnNzaC1rZXkt".
const KEY_BODY = /(?<![A-Za-z0-9+/])(?:MII|MIG|MHc|b3BlbnNzaC1rZXkt)[A-Za-z0-9+/]{36,80}(?:\r?\n[A-Za-z0-9+/]{16,80}){1,150}={0,2}/g;

const BEARER = /(?<![A-Za-z])(?:Bearer|Token|token)\s+([A-Za-z0-9._~+/=-]{16,2000})/g;

// name = value, name: "value", "name": "value", --name value. The value is group 1 (quoted) or 2.
const SECRET_NAME =
  '[A-Za-z0-9_.-]{0,40}(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|account[_-]?key|private[_-]?key|auth[_-]?key|credentials?|mot[_ ]de[_ ]passe|passwort|kennwort|contrase(?:ñ|n)a|clave|senha|wachtwoord|has(?:ł|l)o|parola|l(?:ö|o)senord|passord|salasana|(?:ş|s)ifre)[A-Za-z0-9_.-]{0,40}';
const ASSIGNMENT = new RegExp(
  `(?<![A-Za-z0-9_])${SECRET_NAME}["']?\\s{0,3}(?:=|:|=>|:=)\\s{0,3}(?:"([^"\\n]{4,200})"|'([^'\\n]{4,200})'|([^\\s"',;)}\\]]{4,200}))`,
  'gi',
);
// `-u user:password` of curl, wget and friends.
const CLI_USER_PASSWORD = /(?:^|\s)(?:-u|--user|--proxy-user|--http-user)[ =]["'`]?[^\s:"'`]{1,64}:([^\s"'`]{4,128})/g;

// A quoted high-entropy string near a secret-ish word (e.g. Terraform `default = "..."`).
const QUOTED_OPAQUE = /["'`]([A-Za-z0-9+/_=-]{16,200})["'`]/g;
const SECRET_WORD_BEFORE = /(?:key|secret|token|passw|pwd|credential)/i;

/** Everything below needs one of these words somewhere in the text. */
/** Matched on the lower-cased text. */
const SECRET_KEYWORD = /pass|pwd|secret|token|key|credential|bearer|passwort|kennwort|contrase|clave|senha|wachtwoord|has[łl]o|parola|l[öo]senord|salasana|[şs]ifre/;

/** Values that are references or placeholders, not secrets. */
const NOT_A_SECRET =
  /^(?:\$|\{|<|%|process\.env|os\.environ|env\(|secrets\.|vars\.|getenv|\[[A-Z_]+\]$|x{3,}|\*{3,}|your|my[_-]?|example|changeme|placeholder|redacted|(?:none|null|true|false|undefined|required|optional|string|password|secret|token|omit|include|same-origin|auto|default|enabled|disabled|basic|bearer|digest|oauth|jwt|session|cookie|env|file|vault|local|memory|plain|hash|sha256|bcrypt|argon2)$)/i;

// A password stated in prose: "my wifi password is Gatto_Nero_2023!", "contraseña ... es 'X'".
const PROSE_PASSWORD =
  /(?:password|passwort|kennwort|contraseña|contrasena|mot de passe|passcode|passphrase|senha|wachtwoord|hasło|haslo|parola d['’]ordine|password del|lösenord|losenord|passord|salasana|şifre|sifre)[^\n.?!:=]{0,40}?\s(?:is|was|è|era|est|c['’]est|ist|lautet|war|es|sería|é|e|era|to|jest|är|er|on|=)\s+["'`«“]?([^\s"'`»”]{6,64})/giu;
// mysql -u root -pSECRET: the password glued to -p.
const CLI_PASSWORD = /(?:mysql|mysqldump|mysqladmin|mariadb)\b[^\n]{0,80}?\s-p(?!assword)([^\s"'`]{4,64})/g;
// Long tokens mixing upper case, lower case and digits or '/': provider secrets without a known prefix
// (AWS secret access keys, base64 tokens). Hex hashes, UUIDs and identifiers are single-case or wordy.
const OPAQUE_TOKEN = /(?<![A-Za-z0-9/+_=-])[A-Za-z0-9/+]{30,200}={0,2}(?![A-Za-z0-9/+_=-])/g;

function passwordLike(value: string): boolean {
  // Letters plus digits or symbols; a plain word ("correct", "changed") is prose.
  return /\p{L}/u.test(value) && /[\d!@#$%^&*_+=?~-]/.test(value) && !NOT_A_SECRET.test(value);
}

/**
 * An unquoted value that is code, not a secret: a member access or identifier without digits
 * (`options.requireToken`, `apiKey`, `FLOOD_KEY`), a call, index or template (`sign(`, `opts[`,
 * `${...}`), a path or a command-line flag.
 */
function codeReference(value: string): boolean {
  if (/^[/-]|[([{<`]|\$\{/.test(value)) return true;
  return /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*[,;]?$/.test(value) && !/\d/.test(value);
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

function trimUrlEnd(text: string, start: number, end: number): number {
  while (end > start && '.,;:!?'.includes(text.charAt(end - 1))) end--;
  return end;
}

/** Opaque enough to be a credential: mixed character classes, long hex, or percent-encoded base64. */
function credentialValue(value: string): boolean {
  if (value.length >= 16 && /^[0-9a-fA-F-]+$/.test(value) && /\d/.test(value)) return true;
  const decoded = value.replace(/%[0-9A-Fa-f]{2}/g, '+');
  return looksOpaque(decoded) && decoded.length >= 8 && !NOT_A_SECRET.test(value);
}

function detectCredentialUrls(text: string, out: Span[]): void {
  for (const m of execAll(URL_WITH_CREDENTIALS, text)) {
    if (PLACEHOLDER_PASSWORD.test(m[2] ?? '')) continue;
    out.push({ start: m.index, end: trimUrlEnd(text, m.index, m.index + m[0].length), type: 'URL_WITH_CREDENTIALS' });
  }
  for (const m of execAll(URL_WITH_TOKEN_USER, text)) {
    if (!credentialValue(m[1] ?? '')) continue;
    out.push({ start: m.index, end: trimUrlEnd(text, m.index, m.index + m[0].length), type: 'URL_WITH_CREDENTIALS' });
  }
  for (const m of execAll(URL_ANY, text)) {
    const url = m[0];
    let credential = WEBHOOK_URL.test(url);
    if (!credential) {
      const param = TOKEN_PARAM.exec(url);
      credential = param !== null && credentialValue(param[1] ?? '');
    }
    if (!credential) {
      // A path segment that is a high-entropy token (stream keys, capability links).
      const path = url.slice(url.indexOf('://') + 3).split(/[?#]/)[0] ?? '';
      for (const segment of path.split('/').slice(1)) {
        if (segment.length >= 20 && segment.length <= 300 && /^[A-Za-z0-9_.~+=-]+$/.test(segment) && highEntropy(segment.replace(/[_.~+=-]/g, '/'))) {
          credential = true;
          break;
        }
      }
    }
    if (credential) out.push({ start: m.index, end: trimUrlEnd(text, m.index, m.index + url.length), type: 'URL_WITH_CREDENTIALS' });
  }
}

/** `longestWordRun`: longest run of [A-Za-z0-9_-] in `text` (see textStats); known key shapes need 13+. */
/** `hyphens`, `colons`: how many the text has (see textStats); shapes that need them are skipped otherwise. */
export function detectSecrets(text: string, out: Span[], longestWordRun = Infinity, lower = text.toLowerCase(), hyphens = 1, colons = 1): void {
  if (colons > 0 && text.includes('://')) detectCredentialUrls(text, out);
  // Every known key shape has a run of 13+ word characters or dashes: skip the big alternation otherwise.
  if (longestWordRun >= 13) {
    for (const m of execAll(KNOWN_KEYS_BOUNDED, text)) {
      out.push({ start: m.index, end: m.index + m[0].length, type: 'API_KEY' });
    }
  }
  if (hyphens >= 5 && text.includes('-----BEGIN')) {
    for (const m of execAll(PRIVATE_KEY_BLOCK, text)) out.push({ start: m.index, end: m.index + m[0].length, type: 'API_KEY' });
  }
  if (longestWordRun >= 36 && text.includes('\n')) {
    for (const m of execAll(KEY_BODY, text)) out.push({ start: m.index, end: m.index + m[0].length, type: 'API_KEY' });
  }
  if (hyphens > 0 && (text.includes(' -u') || text.includes('--user'))) {
    for (const m of execAll(CLI_USER_PASSWORD, text)) {
      const value = (m[1] ?? '').replace(/[.,;:)]+$/, '');
      if (PLACEHOLDER_PASSWORD.test(value)) continue;
      const start = m.index + m[0].length - value.length;
      out.push({ start, end: start + value.length, type: 'API_KEY' });
    }
  }
  if (hyphens > 0 && text.includes(' -p')) {
    for (const m of execAll(CLI_PASSWORD, text)) {
      const value = m[1] ?? '';
      const start = m.index + m[0].length - value.length;
      out.push({ start, end: start + value.length, type: 'API_KEY' });
    }
  }
  if (!SECRET_KEYWORD.test(lower)) return;
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
    if (m[3] !== undefined && codeReference(value)) continue;
    if (/\s/.test(value) && !looksOpaque(value)) continue;
    const start = m.index + m[0].length - value.length - (m[3] === undefined ? 1 : 0);
    out.push({ start, end: start + value.length, type: 'API_KEY' });
  }
  for (const m of execAll(QUOTED_OPAQUE, text)) {
    const value = m[1] ?? '';
    if (!looksOpaque(value) || !/\d/.test(value) || NOT_A_SECRET.test(value) || value.startsWith('/') || value.includes('//')) continue;
    const before = text.slice(Math.max(0, m.index - 80), m.index);
    if (!SECRET_WORD_BEFORE.test(before)) continue;
    out.push({ start: m.index + 1, end: m.index + 1 + value.length, type: 'API_KEY' });
  }
}

