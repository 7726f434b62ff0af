// Text normalisation and keyed hashing used to match feedback to interactions by content.
// Hashes are HMACs with a per-installation secret, so a stored hash reveals nothing about
// anonymized text even to someone who can guess candidate inputs.
import { createHmac } from 'node:crypto';

/** Unicode NFC, every run of white space folded to one space, trimmed. */
export function normalizeText(text: string): string {
  return text.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

export type ContentHasher = (text: string) => string;

export function createContentHasher(secret: string): ContentHasher {
  return (text) => createHmac('sha256', secret).update(normalizeText(text)).digest('base64url').slice(0, 32);
}
