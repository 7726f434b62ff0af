// Text normalisation and keyed hashing used to match feedback to interactions by content.
// Hashes are HMACs with a per-installation secret, so a stored hash reveals nothing about
// anonymized text even to someone who can guess candidate inputs.
import { createHmac, createSecretKey } from 'node:crypto';

/** White space other than a lone space: only then is there something to fold. */
const NEEDS_FOLDING = /\s\s|[^\S ]/u;
const WHITE_SPACE_RUN = /\s+/gu;

/** Unicode NFC, every run of white space folded to one space, trimmed. */
export function normalizeText(text: string): string {
  const nfc = text.normalize('NFC');
  // Most texts have single spaces only; testing first skips a replace that would rewrite each of them.
  return (NEEDS_FOLDING.test(nfc) ? nfc.replace(WHITE_SPACE_RUN, ' ') : nfc).trim();
}

export type ContentHasher = (text: string) => string;

export function createContentHasher(secret: string): ContentHasher {
  // A KeyObject is imported once; a string key would be converted on every call.
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return (text) => createHmac('sha256', key).update(normalizeText(text)).digest('base64url').slice(0, 32);
}
