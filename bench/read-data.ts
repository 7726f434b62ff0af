// Deterministic data for the read benchmark: `count` interactions spread evenly over 90 days up to
// `end`, about as many feedback, five models, an A/B feature flag whose variant B really is liked
// more, a second flag, two tag keys, comments on thumbs-down, votes changed later, a little pending
// feedback. Written straight through the storage port in large transactions (below the write
// path, so rollups are rebuilt from the rows once at the end).
import type { FeedbackRecord, FeedbackSlug, InteractionRecord } from '../src/core/model.js';
import type { Storage } from '../src/storage/port.js';
import { prng } from './data.js';

export const SPAN_MS = 90 * 24 * 3_600_000;
const CHUNK = 20_000;

const MODELS = ['gpt-4o', 'gpt-4o-mini', 'gpt-4o-mini', 'claude-3-5-sonnet', 'llama-3-70b', 'mistral-large'];
const PLANS = ['free', 'free', 'free', 'pro', 'pro', 'enterprise'];
const REGIONS = ['eu', 'us', 'apac'];
const TOPICS = ['reset my password', 'change my plan', 'export my invoices', 'cancel an order', 'add a team member', 'connect the API'];
const COMMENTS = ['Not what I asked.', 'Too long, and it missed the point.', 'The steps do not work any more.', 'Wrong plan name.'];

/** Interactions per end user, and per conversation of an end user. */
const PER_USER = 50;
const PER_CONVERSATION = 3;

const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;

export interface ReadDataset { users: number; start: number; end: number; feedback: number }

export const userOf = (i: number, users: number) => `user-${String(i % users).padStart(7, '0')}`;

function interactionAt(projectId: string, i: number, count: number, users: number, start: number): InteractionRecord {
  const rnd = prng(i * 2654435761 + 17);
  const timeEnd = start + Math.floor((i * SPAN_MS) / count);
  const user = i % users;
  const topic = pick(rnd, TOPICS);
  const flags = [i % 2 === 0 ? 'checkout-a' : 'checkout-b', ...(rnd() < 0.3 ? ['new-ui'] : [])];
  return {
    id: `bench-${i.toString(36)}`, projectId, conversationId: `conv-${user}-${Math.floor(i / (users * PER_CONVERSATION))}`, conversationAuto: false,
    endUser: userOf(i, users), input: `How do I ${topic}? (ticket ${i})`, output: `To ${topic}, open Settings and follow the steps for case ${i}.`,
    inputHash: null, outputHash: null, messages: null, history: null, systemPrompt: null, model: pick(rnd, MODELS), ragSources: null,
    tags: { plan: pick(rnd, PLANS), region: pick(rnd, REGIONS) }, featureFlags: flags, traces: null,
    timeStart: timeEnd - 1500, timeEnd, hideContent: false, piiRemoved: false, pii: {}, receivedAt: timeEnd + 1000, source: 'v2/interactions',
    traceId: null, spanId: null,
  };
}

function feedbackOf(i: InteractionRecord, index: number): FeedbackRecord[] {
  const rnd = prng(index * 40503 + 3);
  const roll = rnd();
  const count = roll < 0.35 ? 0 : roll < 0.75 ? 1 : roll < 0.95 ? 2 : 3;
  const liked = i.featureFlags.includes('checkout-b') ? 0.72 : 0.64;
  const out: FeedbackRecord[] = [];
  const make = (slug: FeedbackSlug, k: number, o: Partial<FeedbackRecord> = {}): FeedbackRecord => ({
    id: `${i.id}-f${k}`, projectId: i.projectId, eventId: null, slug, text: null, value: null, endUser: i.endUser, timestamp: i.timeEnd + (k + 1) * 30_000,
    status: 'linked', link: 'id', interactionId: i.id, linkedTimeEnd: i.timeEnd, interactionRef: i.id, inputHash: null, outputHash: null,
    conversationId: null, flags: [], piiRemoved: false, pii: {}, receivedAt: i.timeEnd + (k + 2) * 30_000, traceRef: null, spanRef: null, ...o,
  });
  for (let k = 0; k < count; k++) {
    const r = rnd();
    if (r < 0.45) {
      const up = rnd() < liked;
      // One vote in ten is changed later: the earlier, opposite one stays in the history.
      if (rnd() < 0.1) out.push(make(up ? 'thumbs_down' : 'thumbs_up', 10 + k));
      out.push(up ? make('thumbs_up', k) : make('thumbs_down', k, { text: rnd() < 0.6 ? pick(rnd, COMMENTS) : null }));
    } else if (r < 0.62) {
      out.push(make('rating', k, { value: 1 + Math.min(4, Math.floor(rnd() * rnd() * 5 + (rnd() < liked ? 2 : 0))) }));
    } else if (r < 0.85) {
      out.push(make('copy_output', k, { text: i.output!.slice(0, 30) }));
    } else if (r < 0.91) {
      out.push(make('regenerate', k));
    } else if (r < 0.94) {
      out.push(make('edit', k, { text: 'edited answer' }));
    } else if (r < 0.99) {
      out.push(make('comment', k, { text: pick(rnd, COMMENTS) }));
    } else {
      out.push(make('paste', k, { text: 'pasted text' }));
    }
  }
  // A few feedback name an interaction that never arrives: pending.
  if (rnd() < 0.003) {
    out.push(make('thumbs_up', 20, { status: 'pending', link: null, interactionId: null, linkedTimeEnd: null, interactionRef: `${i.id}-missing` }));
  }
  return out;
}

/** Writes the dataset; `end` is the time the last interaction ends (now, so "the last 30 days" hold data). */
export async function seedReadData(storage: Storage, projectId: string, count: number, end: number,
  onProgress?: (done: number) => void): Promise<ReadDataset> {
  const users = Math.max(1, Math.floor(count / PER_USER));
  const start = end - SPAN_MS;
  let feedback = 0;
  for (let from = 0; from < count; from += CHUNK) {
    const interactions: InteractionRecord[] = [];
    const rows: FeedbackRecord[] = [];
    for (let i = from; i < Math.min(count, from + CHUNK); i++) {
      const interaction = interactionAt(projectId, i, count, users, start);
      interactions.push(interaction);
      rows.push(...feedbackOf(interaction, i));
    }
    feedback += rows.length;
    await storage.transaction(async (tx) => {
      await tx.insertInteractions(interactions);
      await tx.insertFeedback(rows);
    });
    onProgress?.(Math.min(count, from + CHUNK));
  }
  return { users, start, end, feedback };
}
