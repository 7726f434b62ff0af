// The prompt messages and the answer of an LLM-call span, from whichever form its instrumentation
// wrote them in. Forms are tried in this order; the first that yields anything wins:
//   prompt: gen_ai.input.messages (+ gen_ai.system_instructions), ai.prompt.messages, ai.prompt,
//           llm.input_messages.*, gen_ai.prompt.*, gen_ai.*.message events, input.value
//   answer: gen_ai.output.messages, ai.response.text, ai.response.object, llm.output_messages.*,
//           gen_ai.completion.*, gen_ai.choice events, output.value
// Message content is kept as text: text parts are joined, other parts (tool calls, images) dropped.
import type { Message } from '../model.js';
import { asList, indexed, isRecord, stringOf, structured } from './attributes.js';
import type { AttributeValue, OtlpSpan } from './spans.js';

/** Text of a message content in any of the part shapes (OpenAI/Vercel `text`, GenAI `content`). */
export function contentText(content: AttributeValue | undefined): string {
  if (typeof content === 'string') {
    // OpenLLMetry writes multimodal content as JSON text of the parts.
    const parts = content.trimStart().startsWith('[') ? structured(content) : undefined;
    return Array.isArray(parts) && parts.every(isRecord) ? contentText(parts) : content;
  }
  if (Array.isArray(content)) {
    return content.map((part) => {
      if (typeof part === 'string') return part;
      if (!isRecord(part)) return '';
      const type = stringOf(part['type']);
      if (type !== null && type !== 'text' && type !== 'input_text' && type !== 'output_text') return '';
      return stringOf(part['text']) ?? stringOf(part['content']) ?? '';
    }).filter((t) => t.length > 0).join('\n');
  }
  if (isRecord(content)) return stringOf(content['text']) ?? stringOf(content['content']) ?? '';
  return '';
}

/** A list of `{role, content | parts}` (GenAI, Vercel, OpenAI request bodies). */
function messageList(value: AttributeValue | undefined): Message[] | null {
  const list = structured(value);
  if (!Array.isArray(list)) return null;
  const messages: Message[] = [];
  for (const m of list) {
    if (!isRecord(m)) continue;
    const role = stringOf(m['role']) ?? 'user';
    messages.push({ role, content: contentText(m['parts'] ?? m['content']) });
  }
  return messages.length > 0 ? messages : null;
}

/** OpenInference `llm.input_messages.N.message.{role, content, contents.M.message_content.text}`. */
function openInferenceMessages(span: OtlpSpan, prefix: string): Message[] | null {
  const items = indexed(span.attributes, prefix);
  const messages: Message[] = [];
  for (const item of items) {
    const m = item['message'];
    if (!isRecord(m)) continue;
    const contents = asList(m['contents']).map((c) => (isRecord(c) && isRecord(c['message_content']) ? c['message_content'] : c));
    messages.push({ role: stringOf(m['role']) ?? 'user', content: stringOf(m['content']) ?? contentText(contents) });
  }
  return messages.length > 0 ? messages : null;
}

/** OpenLLMetry `gen_ai.prompt.N.{role, content}` / `gen_ai.completion.N.{role, content}`. */
function indexedMessages(span: OtlpSpan, prefix: string): Message[] | null {
  const messages = indexed(span.attributes, prefix)
    .filter((item) => item['content'] !== undefined || item['role'] !== undefined)
    .map((item) => ({ role: stringOf(item['role']) ?? 'user', content: contentText(item['content']) }));
  return messages.length > 0 ? messages : null;
}

/** GenAI semantic conventions before 1.37: one event per message. */
const EVENT_ROLES: Record<string, string> = {
  'gen_ai.system.message': 'system', 'gen_ai.user.message': 'user', 'gen_ai.assistant.message': 'assistant', 'gen_ai.tool.message': 'tool',
};

function eventMessages(span: OtlpSpan): Message[] | null {
  const messages: Message[] = [];
  for (const e of span.events) {
    const role = EVENT_ROLES[e.name];
    if (role === undefined) continue;
    messages.push({ role: stringOf(e.attributes.get('role') ?? null) ?? role, content: contentText(structured(e.attributes.get('content')) ?? e.attributes.get('content')) });
  }
  return messages.length > 0 ? messages : null;
}

/** `input.value`: plain text is the user's message; JSON with `messages` is a request body. */
function inputValueMessages(span: OtlpSpan): Message[] | null {
  const value = span.attributes.get('input.value');
  if (typeof value !== 'string' || value === '') return null;
  const parsed = structured(value);
  if (isRecord(parsed)) {
    const fromBody = messageList(parsed['messages']);
    if (fromBody) return fromBody;
    const prompt = stringOf(parsed['prompt'] ?? parsed['input'] ?? parsed['query'] ?? parsed['question']);
    if (prompt !== null) return [{ role: 'user', content: prompt }];
  }
  return [{ role: 'user', content: value }];
}

/** Vercel `ai.prompt`: JSON `{system?, prompt?, messages?}` on the wrapper span. */
function vercelPrompt(span: OtlpSpan): Message[] | null {
  const prompt = structured(span.attributes.get('ai.prompt'));
  if (!isRecord(prompt)) return null;
  const messages: Message[] = [];
  const system = stringOf(prompt['system']);
  if (system !== null) messages.push({ role: 'system', content: system });
  const list = messageList(prompt['messages']);
  if (list) messages.push(...list);
  const text = prompt['prompt'];
  if (typeof text === 'string') messages.push({ role: 'user', content: text });
  else if (Array.isArray(text)) messages.push(...(messageList(text) ?? []));
  return messages.length > 0 ? messages : null;
}

function genAiInput(span: OtlpSpan): Message[] | null {
  const messages = messageList(span.attributes.get('gen_ai.input.messages'));
  if (!messages) return null;
  const instructions = span.attributes.get('gen_ai.system_instructions');
  const system = instructions === undefined ? '' : contentText(structured(instructions) ?? instructions);
  return system && !messages.some((m) => m.role === 'system') ? [{ role: 'system', content: system }, ...messages] : messages;
}

export function promptMessages(span: OtlpSpan): Message[] | null {
  return genAiInput(span)
    ?? messageList(span.attributes.get('ai.prompt.messages'))
    ?? vercelPrompt(span)
    ?? openInferenceMessages(span, 'llm.input_messages.')
    ?? indexedMessages(span, 'gen_ai.prompt.')
    ?? eventMessages(span)
    ?? inputValueMessages(span);
}

function assistantText(messages: Message[] | null): string | null {
  if (!messages) return null;
  const text = messages.filter((m) => m.role !== 'user' && m.role !== 'system').map((m) => m.content).filter((t) => t.length > 0).join('\n');
  return messages.length > 0 ? text : null;
}

function choiceEvents(span: OtlpSpan): string | null {
  const texts: string[] = [];
  for (const e of span.events) {
    if (e.name !== 'gen_ai.choice') continue;
    const message = structured(e.attributes.get('message')) ?? e.attributes.get('message');
    texts.push(isRecord(message) ? contentText(message['content']) : contentText(message));
  }
  return texts.length > 0 ? texts.join('\n') : null;
}

/** `output.value`: an OpenAI-style response body is read for its first choice; other text is the answer. */
function outputValue(span: OtlpSpan): string | null {
  const value = span.attributes.get('output.value');
  if (typeof value !== 'string') return null;
  const parsed = structured(value);
  if (isRecord(parsed)) {
    const choice = asList(parsed['choices'])[0];
    if (isRecord(choice)) {
      const message = choice['message'];
      if (isRecord(message)) return contentText(message['content']);
      const text = stringOf(choice['text']);
      if (text !== null) return text;
    }
    const output = stringOf(parsed['output'] ?? parsed['answer'] ?? parsed['text']);
    if (output !== null) return output;
  }
  return value;
}

export function answerText(span: OtlpSpan): string | null {
  const genAi = span.attributes.get('gen_ai.output.messages');
  if (genAi !== undefined) {
    const text = assistantText(messageList(genAi));
    if (text !== null) return text;
  }
  const vercel = stringOf(span.attributes.get('ai.response.text') ?? null) ?? stringOf(span.attributes.get('ai.response.object') ?? null);
  if (vercel !== null) return vercel;
  return assistantText(openInferenceMessages(span, 'llm.output_messages.'))
    ?? assistantText(indexedMessages(span, 'gen_ai.completion.'))
    ?? choiceEvents(span)
    ?? outputValue(span);
}

export function lastUserMessage(messages: Message[] | null): string | null {
  if (!messages) return null;
  for (let k = messages.length - 1; k >= 0; k--) if (messages[k]!.role === 'user') return messages[k]!.content;
  return null;
}
