// What the Langfuse and LangSmith mappings share (docs/data.md, "Import from Langfuse and LangSmith"):
// reading a prompt or an answer out of the JSON those tools store (plain text, chat messages,
// LangChain messages, {input: ...} / {output: ...} objects), flattening metadata into tags, and
// deciding which scores are an end user's feedback (thumbs, a 1-5 rating, a comment, a correction).
import type { FeedbackSlug } from '../model.js';
import { formatTimestamp, parseTimestamp } from '../time.js';

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A field under either of its spellings (blob exports write snake_case, the APIs camelCase). */
export function field(o: Json, ...names: string[]): unknown {
  for (const n of names) if (o[n] !== undefined && o[n] !== null) return o[n];
  return undefined;
}

export const stringField = (o: Json, ...names: string[]): string | null => {
  const v = field(o, ...names);
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null;
};

/** An ISO 8601 time for a time these tools write (ISO with or without zone, `YYYY-MM-DD HH:MM:SS.ffffff` in UTC, epoch ms). */
export function isoTime(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return formatTimestamp(v);
  if (typeof v !== 'string') return null;
  const t = parseTimestamp(v);
  return t === null ? null : formatTimestamp(t);
}

/** JSON stored as text (CSV-like exports, Langfuse blob files): parsed when it looks like an object or array. */
function parsedIfJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.trim();
  if (!(s.startsWith('{') || s.startsWith('['))) return v;
  try { return JSON.parse(s) as unknown; } catch { return v; }
}

const ROLE: Record<string, string> = { human: 'user', user: 'user', ai: 'assistant', assistant: 'assistant', system: 'system', tool: 'tool', function: 'tool' };

/** A chat message of OpenAI's shape, LangChain's ({type, data: {content}} or a serialized HumanMessage), or Langfuse's. */
function messageOf(m: unknown): { role: string; content: string } | null {
  if (!isObject(m)) return null;
  if (isObject(m['kwargs']) && Array.isArray(m['id'])) {
    const name = String((m['id'] as unknown[]).at(-1) ?? '');
    const role = name.startsWith('Human') ? 'user' : name.startsWith('AI') ? 'assistant' : name.startsWith('System') ? 'system' : 'tool';
    return { role, content: contentText(m['kwargs']['content']) };
  }
  if (isObject(m['data']) && typeof m['type'] === 'string') return { role: ROLE[m['type']] ?? m['type'], content: contentText(m['data']['content']) };
  const role = typeof m['role'] === 'string' ? m['role'] : typeof m['type'] === 'string' ? m['type'] : null;
  if (role === null || m['content'] === undefined) return null;
  return { role: ROLE[role] ?? role, content: contentText(m['content']) };
}

/** Content parts ([{type: 'text', text}]) joined; other JSON as JSON text. */
function contentText(c: unknown): string {
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map((p) => (typeof p === 'string' ? p : isObject(p) && typeof p['text'] === 'string' ? p['text'] : '')).filter(Boolean).join('\n');
  return c === undefined || c === null ? '' : JSON.stringify(c);
}

/** Chat messages held by a value (an array of messages, LangChain's [[messages]], {messages: [...]}), or null. */
export function messagesOf(value: unknown): { role: string; content: string }[] | null {
  const v = parsedIfJson(value);
  const list = Array.isArray(v) ? (Array.isArray(v[0]) ? v[0] : v) : isObject(v) && Array.isArray(v['messages']) ? v['messages'] : null;
  if (!Array.isArray(list) || list.length === 0) return null;
  const messages = list.map(messageOf);
  return messages.every((m) => m !== null) ? (messages as { role: string; content: string }[]) : null;
}

/** Keys under which these tools keep the prompt / the answer in an object. */
const INPUT_KEYS = ['input', 'question', 'query', 'prompt', 'text', 'content'];
const OUTPUT_KEYS = ['output', 'answer', 'text', 'content', 'response', 'result', 'completion'];

/**
 * The text of a prompt (`side` input: the last user message) or of an answer (output: the last
 * assistant message), from whatever JSON holds it; JSON text of the whole value as a last resort.
 */
export function textOf(value: unknown, side: 'input' | 'output'): string | null {
  const v = parsedIfJson(value);
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const messages = messagesOf(v);
  if (messages) {
    const wanted = side === 'input' ? 'user' : 'assistant';
    return [...messages].reverse().find((m) => m.role === wanted)?.content ?? messages.at(-1)!.content;
  }
  const single = messageOf(v);
  if (single) return single.content;
  if (isObject(v)) {
    // OpenAI completions ({choices: [{message}]}) and LangChain generations ({generations: [[{text}]]}).
    const choice = Array.isArray(v['choices']) ? v['choices'][0] : undefined;
    if (isObject(choice)) return textOf(choice['message'] ?? choice['text'], side);
    const generation = Array.isArray(v['generations']) ? ([v['generations']].flat(2)[0] as unknown) : undefined;
    if (isObject(generation)) return textOf(generation['text'] ?? generation['message'], side);
    for (const key of side === 'input' ? INPUT_KEYS : OUTPUT_KEYS) if (v[key] !== undefined && v[key] !== null) return textOf(v[key], side);
    const values = Object.values(v);
    if (values.length === 1) return textOf(values[0], side);
  }
  return JSON.stringify(v);
}

/** Flat metadata (strings, numbers, booleans) as tags; nested values and `skip` keys are left out. */
export function tagsOf(metadata: unknown, skip: ReadonlySet<string>): Record<string, string> {
  const m = parsedIfJson(metadata);
  const tags: Record<string, string> = {};
  if (!isObject(m)) return tags;
  for (const [key, value] of Object.entries(m)) {
    if (skip.has(key)) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') tags[key] = String(value);
  }
  return tags;
}

export interface UserFeedback { slug: FeedbackSlug; value: number | null; text: string | null }

const UP = new Set(['thumbs_up', 'thumbsup', 'up', 'like', 'liked', 'good', 'positive', 'yes', 'true', 'helpful', '👍', '1']);
const DOWN = new Set(['thumbs_down', 'thumbsdown', 'down', 'dislike', 'disliked', 'bad', 'negative', 'no', 'false', 'unhelpful', '👎', '0', '-1']);
const RATING_KEY = /rating|stars?\b|score_?1_?5/i;

/**
 * An end user's feedback read from a score: a categorical value or boolean-like score (1 / 0 / -1)
 * is a thumb; an integer 1-5 under a rating-like name, or 2-5 under any, a rating; a comment alone
 * a comment; a correction an edit. Null when the score says none of these (an evaluation metric
 * such as 0.82): the caller skips it.
 */
export function userFeedbackOf(name: string, score: unknown, categorical: string | null, comment: string | null, correction: unknown): UserFeedback | null {
  const text = comment !== null && comment !== '' ? comment : null;
  const label = categorical?.trim().toLowerCase() ?? null;
  if (label !== null && UP.has(label)) return { slug: 'thumbs_up', value: null, text };
  if (label !== null && DOWN.has(label)) return { slug: 'thumbs_down', value: null, text };
  const n = typeof score === 'boolean' ? (score ? 1 : 0) : typeof score === 'number' ? score : typeof score === 'string' && score.trim() !== '' ? Number(score) : null;
  if (n !== null && Number.isFinite(n)) {
    if (RATING_KEY.test(name) && Number.isInteger(n) && n >= 1 && n <= 5) return { slug: 'rating', value: n, text };
    if (n === 1) return { slug: 'thumbs_up', value: null, text };
    if (n === 0 || n === -1) return { slug: 'thumbs_down', value: null, text };
    if (Number.isInteger(n) && n >= 2 && n <= 5) return { slug: 'rating', value: n, text };
    return null;
  }
  if (correction !== undefined && correction !== null) {
    const edited = textOf(correction, 'output');
    return edited === null ? null : { slug: 'edit', value: null, text: edited };
  }
  if (text !== null) return { slug: 'comment', value: null, text };
  return null;
}
