// The PII step as wired into the server. TEMPORARY until src/pii-pool lands: passes text through.
import type { Anonymizer } from './anonymizer.js';

export async function createPiiAnonymizer(_threads: number): Promise<Anonymizer> {
  return {
    anonymize: async (texts) => texts.map((text) => ({ text, counts: {} })),
    close: async () => undefined,
  };
}
