// Deterministic benchmark data: the seeded interactions (regenerated from their index, so the load
// process can name any seeded interaction's end user and output without sharing state with the
// seeder) and the request bodies the load process sends.
import { prng } from '../src/core/random.js';

export type Workload = 'feedback' | 'interaction' | 'otlp';

export const PATHS: Record<Workload, string> = {
  feedback: '/event-ingestion/api/v1/events/feedback',
  interaction: '/event-ingestion/api/v2/events/interactions',
  otlp: '/v1/traces',
};

/** Seeded interactions end 1 s apart from this instant on, interaction i at BASE + i s. */
export const BASE_TIME = Date.parse('2024-01-01T00:00:00.000Z');
/** Seeded interactions per end user (both table sizes, so only the table size changes). */
export const INTERACTIONS_PER_USER = 5;

// The same seed gives the same texts in every process.
export { prng };

const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;

const TOPICS = [
  ['my order', 'the delivery of order'], ['the invoice', 'invoice number'], ['my subscription', 'the renewal of plan'],
  ['the refund', 'refund request'], ['a password reset', 'the reset ticket'], ['the API quota', 'usage report'],
  ['the flight booking', 'booking reference'], ['the insurance claim', 'claim'], ['the warranty', 'warranty case'],
  ['the onboarding checklist', 'checklist item'],
] as const;
const OPENERS = [
  'Hi, can you help me with', 'Hello! I have a question about', 'Quick question regarding', 'Could you explain what is going on with',
  'I need some help understanding', 'Good morning, I am writing about',
];
const DETAILS = [
  'It was supposed to arrive last Tuesday but the tracking page has not changed since Friday.',
  'The amount charged is different from what the checkout page showed me.',
  'I already tried the steps in the help center twice and nothing happened.',
  'My manager needs a short summary before the meeting this afternoon.',
  'The confirmation email never reached my inbox, not even the spam folder.',
  'I would like to know whether I can still change it without paying a fee.',
];
const ANSWERS = [
  'Thanks for the details. I checked the record and it is currently marked as in progress; the last update was logged two days ago.',
  'I understand the confusion. The difference comes from a regional tax that is added after the discount is applied at checkout.',
  'Sorry about the trouble. Here is what you can do: open the account page, choose Settings, then Security, and request a new link.',
  'Good news: changes are free until 24 hours before the scheduled date, so you can still adjust it from the dashboard.',
  'I have escalated this to the specialist team, who usually reply within one business day with a full explanation.',
];
const CLOSINGS = [
  'Let me know if you need anything else.', 'Is there anything else I can help you with today?',
  'I hope this helps, and have a nice day.', 'Feel free to reply here if the problem persists.',
];
const FIRST = ['Maria', 'John', 'Aisha', 'Lukas', 'Chen', 'Sofia', 'Pedro', 'Emma', 'Yuki', 'Omar'];
const LAST = ['Rossi', 'Smith', 'Khan', 'Müller', 'Wang', 'García', 'Silva', 'Johnson', 'Tanaka', 'Haddad'];

/** Pads a text with more chat-like sentences up to about `length` characters. */
function grow(rnd: () => number, text: string, length: number, pool: readonly string[]): string {
  while (text.length < length) text += ' ' + pick(rnd, pool);
  return text;
}

export interface ChatTexts { input: string; output: string }

/**
 * About 300 characters each way of customer-support chat. `unique` goes into both texts so that
 * every seeded interaction has its own content hash. With `pii`, the input carries a name, an email
 * address and a phone number, and the output repeats the name.
 */
export function chatTexts(rnd: () => number, unique: string, pii: boolean): ChatTexts {
  const [topic, ref] = pick(rnd, TOPICS);
  let input = `${pick(rnd, OPENERS)} ${topic}? The reference is ${ref} ${unique}. ${pick(rnd, DETAILS)}`;
  let name = '';
  if (pii) {
    const first = pick(rnd, FIRST);
    const last = pick(rnd, LAST);
    name = first;
    const phone = `+1 415 555 ${String(1000 + Math.floor(rnd() * 9000))}`;
    input += ` I'm ${first} ${last}, you can reach me at ${first.toLowerCase()}.${last.toLowerCase().replace('ü', 'u').replace('í', 'i')}@example.com or ${phone}.`;
  }
  input = grow(rnd, input, 300, DETAILS);
  let output = `${name ? `Hi ${name}! ` : ''}${pick(rnd, ANSWERS)} Regarding ${ref} ${unique}: ${pick(rnd, ANSWERS)}`;
  output = grow(rnd, output, 290, ANSWERS) + ' ' + pick(rnd, CLOSINGS);
  return { input, output };
}

/** What a seeded interaction holds; the same for the seeder and the load process. */
export interface SeededInteraction { endUser: string; timeStart: number; timeEnd: number; input: string; output: string }

export function usersFor(count: number): number {
  return Math.max(1, Math.ceil(count / INTERACTIONS_PER_USER));
}

export function seededInteraction(i: number, users: number): SeededInteraction {
  const rnd = prng(i * 2654435761);
  const { input, output } = chatTexts(rnd, `#${i.toString(36).toUpperCase()}`, false);
  const timeEnd = BASE_TIME + i * 1000;
  return { endUser: `user-${(i % users).toString().padStart(7, '0')}`, timeStart: timeEnd - 1500, timeEnd, input, output };
}

/** A feedback about seeded interaction i, linked by end user + output (content rule). */
export function feedbackBody(i: number, users: number, rnd: () => number): object {
  const s = seededInteraction(i, users);
  const slug = pick(rnd, ['thumbs_up', 'thumbs_down', 'rating', 'thumbs_up', 'copy_output'] as const);
  const feedback: Record<string, unknown> = { slug };
  if (slug === 'rating') feedback['value'] = 1 + Math.floor(rnd() * 5);
  if (slug === 'thumbs_down') feedback['text'] = 'The answer did not address my question.';
  if (slug === 'copy_output') feedback['text'] = s.output.slice(0, 80);
  return {
    feedback,
    metadata: { end_user: s.endUser, timestamp: new Date(s.timeEnd + 5000).toISOString(), output: s.output },
  };
}

/** A new v2 interaction of one of the seeded end users; `anonymize` null leaves the field out (default true). */
export function interactionBody(n: number, users: number, rnd: () => number, anonymize: boolean | null): object {
  const { input, output } = chatTexts(rnd, `L${n.toString(36).toUpperCase()}`, anonymize !== false);
  const end = Date.now();
  const body: Record<string, unknown> = {
    interaction: {
      output,
      time_start: new Date(end - 1800).toISOString(),
      time_end: new Date(end).toISOString(),
      end_user: `user-${Math.floor(rnd() * users).toString().padStart(7, '0')}`,
      messages: [{ role: 'system', content: 'You are a helpful support assistant.' }, { role: 'user', content: input }],
      model: 'gpt-4o-mini',
    },
  };
  if (anonymize !== null) body['anonymize'] = anonymize;
  return body;
}

/** Spans per OTLP export, and the shape of each trace in it (see otlpExportBody). */
export const OTLP_SPANS_PER_EXPORT = 100;
const SPANS_PER_TRACE = 5;
const NS = 1_000_000n;

const kv = (key: string, value: string | number | boolean) => ({
  key, value: typeof value === 'string' ? { stringValue: value } : typeof value === 'boolean' ? { boolValue: value } : { intValue: value },
});

/**
 * An ExportTraceServiceRequest (as a protobufjs plain object) of OTLP_SPANS_PER_EXPORT spans: traces
 * of an agent as the OTel GenAI conventions describe it, each an invoke_agent root (end user and
 * session), a chat call asking for a tool, the tool call, a retrieval, and the chat call that
 * answers (~300 characters each way): 2 interactions per 5 spans. Ids are unique per `n`; the
 * resource turns anonymize off (the figure the goal is set for).
 */
export function otlpExportRequest(n: number, users: number, rnd: () => number): object {
  const spans: object[] = [];
  const end = BigInt(Date.now()) * NS;
  const id = (bytes: number) => Buffer.from(Array.from({ length: bytes }, () => Math.floor(rnd() * 256)));
  for (let t = 0; t < OTLP_SPANS_PER_EXPORT / SPANS_PER_TRACE; t++) {
    const traceId = id(16);
    traceId.writeUInt32BE(n >>> 0, 0);
    traceId.writeUInt16BE(t, 4);
    const rootId = id(8);
    const user = `user-${Math.floor(rnd() * users).toString().padStart(7, '0')}`;
    const { input, output } = chatTexts(rnd, `O${n.toString(36)}-${t}`, false);
    const at = (ms: number) => String(end - BigInt(3000 - ms) * NS);
    const span = (name: string, startMs: number, endMs: number, attributes: object[], spanId = id(8), parent: Buffer | null = rootId) => ({
      traceId, spanId, ...(parent ? { parentSpanId: parent } : {}), name, kind: 1, startTimeUnixNano: at(startMs), endTimeUnixNano: at(endMs), attributes,
    });
    const messages = JSON.stringify([{ role: 'system', parts: [{ type: 'text', content: 'You are a helpful support assistant.' }] },
      { role: 'user', parts: [{ type: 'text', content: input }] }]);
    const chat = (startMs: number, endMs: number, answer: string) => span('chat gpt-4o-mini', startMs, endMs, [
      kv('gen_ai.operation.name', 'chat'), kv('gen_ai.provider.name', 'openai'), kv('gen_ai.request.model', 'gpt-4o-mini'),
      kv('gen_ai.response.model', 'gpt-4o-mini-2024-07-18'), kv('gen_ai.usage.input_tokens', 95), kv('gen_ai.usage.output_tokens', 70),
      kv('gen_ai.input.messages', messages),
      kv('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: answer }], finish_reason: 'stop' }])),
    ]);
    spans.push(
      span('invoke_agent support', 0, 2900, [kv('gen_ai.operation.name', 'invoke_agent'), kv('user.id', user), kv('session.id', `session-${user}`)], rootId, null),
      chat(10, 900, ''),
      span('execute_tool order_status', 950, 1000, [kv('gen_ai.operation.name', 'execute_tool'), kv('gen_ai.tool.name', 'order_status'),
        kv('gen_ai.tool.call.arguments', '{"order":"A-1"}'), kv('gen_ai.tool.call.result', '{"status":"shipped"}')]),
      span('retrieve faq', 1000, 1100, [kv('openinference.span.kind', 'RETRIEVER'), kv('input.value', 'shipping delays'),
        kv('retrieval.documents.0.document.content', 'Orders ship within two days.')]),
      chat(1100, 2800, output),
    );
  }
  return {
    resourceSpans: [{
      resource: { attributes: [kv('service.name', 'support-agent'), kv('feedloop.anonymize', false)] },
      scopeSpans: [{ scope: { name: 'bench' }, spans }],
    }],
  };
}
