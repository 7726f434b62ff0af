// The write path: commands (already validated) -> anonymized, hashed records -> the write queue,
// where they are linked and stored in the group-commit transaction of their event-loop turn.
import type { FeedbackCommand, InteractionCommand, TagUpdateCommand } from '../core/commands.js';
import { validationFailed } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { unstorableText } from '../core/storable-text.js';
import type { FeedbackRecord, InteractionRecord, PiiCounts, TagUpdateRecord, Trace } from '../core/model.js';
import type { ContentHasher } from '../core/text.js';
import { anonymizeFields, type AnonymizeOptions, type Anonymizer } from './anonymizer.js';
import type { RestoreResult } from './restore-ops.js';
import { hasContent, isCopySlug, type BuiltFeedback, type BuiltInteraction, type TagUpdateResult } from './write-ops.js';
import type { WriteQueue } from './write-queue.js';

/** Traces keep their structure and token counts under hide_content, but no content. */
function withoutContent(trace: Trace): Trace {
  return trace.kind === 'llm'
    ? { ...trace, messages: null, input: null, output: null, system_prompt: null, history: null }
    : { ...trace, input: null, outputs: [] };
}

/** Who sent a write: the API key, for the fair share of PII work (optional; default: the project). */
export interface WriteContext { client?: string }

/** Text no backend stores as sent (NUL, lone surrogates) is refused before anything is done with it (core/storable-text.ts). */
function refuseUnstorable(command: unknown): void {
  const errors = unstorableText(command);
  if (errors.length > 0) throw validationFailed(errors);
}

function mergeCounts(a: PiiCounts, b: PiiCounts): PiiCounts {
  const out: PiiCounts = { ...a };
  for (const [type, n] of Object.entries(b)) out[type] = (out[type] ?? 0) + (n ?? 0);
  return out;
}

export class Ingestion {
  constructor(
    private readonly queue: WriteQueue,
    private readonly anonymizer: Anonymizer,
    private readonly hash: ContentHasher,
  ) {}

  private hashOf(text: string | null): string | null {
    return hasContent(text) ? this.hash(text) : null;
  }

  private async anonymizedText(text: string | null, anonymize: boolean, options: AnonymizeOptions): Promise<{ text: string | null; pii: PiiCounts }> {
    if (!anonymize || text === null) return { text, pii: {} };
    const { fields, counts } = await anonymizeFields(this.anonymizer, { text }, options);
    return { text: fields.text, pii: counts };
  }

  async recordFeedback(projectId: string, cmd: FeedbackCommand, context: WriteContext = {}): Promise<FeedbackRecord> {
    refuseUnstorable(cmd);
    return this.queue.write({ kind: 'feedback', ...(await this.buildFeedback(projectId, cmd, context)) });
  }

  /** Stores the feedback of one batch request in one transaction (one group commit); returns it in order. */
  async recordFeedbackBatch(projectId: string, commands: FeedbackCommand[], context: WriteContext = {}): Promise<FeedbackRecord[]> {
    if (commands.length === 0) return [];
    refuseUnstorable(commands);
    const items = await Promise.all(commands.map((c) => this.buildFeedback(projectId, c, context)));
    return this.queue.write({ kind: 'feedback_batch', items });
  }

  private async buildFeedback(projectId: string, cmd: FeedbackCommand, context: WriteContext): Promise<BuiltFeedback> {
    const { text, pii } = await this.anonymizedText(cmd.text, cmd.anonymize, { projectId, client: context.client });
    const record: FeedbackRecord = {
      id: newId(), projectId, eventId: cmd.eventId, slug: cmd.slug, text, value: cmd.value, endUser: cmd.endUser,
      timestamp: cmd.timestamp, status: 'pending', link: null, interactionId: null, linkedTimeEnd: null,
      interactionRef: cmd.interactionRef, inputHash: this.hashOf(cmd.input), outputHash: this.hashOf(cmd.output),
      conversationId: cmd.conversationId, flags: [], piiRemoved: Object.keys(pii).length > 0, pii, receivedAt: Date.now(),
      traceRef: cmd.traceRef, spanRef: cmd.spanRef,
    };
    // Copied text is compared raw now and in its stored (possibly anonymized) form on later re-runs.
    const copiedTexts = isCopySlug(cmd.slug) && hasContent(cmd.text) ? [...new Set([cmd.text, text!])] : [];
    return { record, copiedTexts };
  }

  /** Stores interactions (one, or a whole conversation) in one transaction; returns them in order. */
  async recordInteractions(projectId: string, commands: InteractionCommand[], context: WriteContext = {}): Promise<InteractionRecord[]> {
    refuseUnstorable(commands);
    const options: AnonymizeOptions = { projectId, client: context.client };
    const items = await Promise.all(commands.map((c) => this.buildInteraction(projectId, c, options)));
    return this.queue.write({ kind: 'interactions', items });
  }

  /** `id`: a tag update with this id stored before is answered again instead of stored twice (imports). */
  async recordTagUpdate(projectId: string, cmd: TagUpdateCommand, id?: string): Promise<TagUpdateResult> {
    refuseUnstorable(cmd);
    const update: TagUpdateRecord = {
      id: id ?? newId(), projectId, endUser: cmd.endUser, timestamp: cmd.timestamp, inputHash: this.hashOf(cmd.input),
      outputHash: this.hashOf(cmd.output), tags: cmd.tags, status: 'pending', interactionId: null, receivedAt: Date.now(),
    };
    return this.queue.write({ kind: 'tag_update', update, known: id !== undefined });
  }

  /**
   * Stores an interaction of feedloop's own export as it was, with its feedback (restore-ops.ts).
   * Hashes are computed again from the stored text (this installation's secret); with `anonymize`,
   * PII removal runs again on what was exported.
   */
  async restoreInteraction(record: InteractionRecord, feedback: FeedbackRecord[], anonymize: boolean): Promise<RestoreResult<InteractionRecord>> {
    refuseUnstorable([record, feedback]);
    let restored = { ...record, inputHash: this.hashOf(record.input), outputHash: this.hashOf(record.output) };
    if (anonymize && !record.hideContent) {
      const { fields, counts } = await anonymizeFields(this.anonymizer, {
        input: record.input, output: record.output, messages: record.messages, history: record.history,
        systemPrompt: record.systemPrompt, ragSources: record.ragSources, traces: record.traces,
      }, { projectId: record.projectId });
      restored = { ...restored, ...fields, pii: mergeCounts(record.pii, counts) };
      restored.piiRemoved = Object.keys(restored.pii).length > 0;
    }
    const withFeedback = await Promise.all(feedback.map((f) => this.restoredFeedback(f, anonymize)));
    return this.queue.write({ kind: 'restore_interaction', record: restored, feedback: withFeedback });
  }

  /** Stores a feedback of feedloop's own export as it was (restore-ops.ts). */
  async restoreFeedback(record: FeedbackRecord, anonymize: boolean): Promise<RestoreResult<FeedbackRecord>> {
    refuseUnstorable(record);
    return this.queue.write({ kind: 'restore_feedback', record: await this.restoredFeedback(record, anonymize) });
  }

  private async restoredFeedback(record: FeedbackRecord, anonymize: boolean): Promise<FeedbackRecord> {
    if (!anonymize || record.text === null) return record;
    const { text, pii } = await this.anonymizedText(record.text, true, { projectId: record.projectId });
    const merged = mergeCounts(record.pii, pii);
    return { ...record, text, pii: merged, piiRemoved: Object.keys(merged).length > 0 };
  }

  private async buildInteraction(projectId: string, cmd: InteractionCommand, options: AnonymizeOptions): Promise<BuiltInteraction> {
    let content = {
      input: cmd.input, output: cmd.output, messages: cmd.messages, history: cmd.history,
      systemPrompt: cmd.systemPrompt, ragSources: cmd.ragSources, traces: cmd.traces,
      // Labels are stored strings too: under anonymize they pass the detector like the content.
      model: cmd.model, tags: cmd.tags, featureFlags: cmd.featureFlags,
    };
    let pii: PiiCounts = {};
    if (cmd.hideContent) {
      content = {
        input: '', output: '', messages: null, history: null, systemPrompt: null, ragSources: null, traces: cmd.traces?.map(withoutContent) ?? null,
        model: cmd.model, tags: cmd.tags, featureFlags: cmd.featureFlags,
      };
    } else if (cmd.anonymize) {
      ({ fields: content, counts: pii } = await anonymizeFields(this.anonymizer, content, options));
    }
    const id = cmd.clientId ?? newId();
    const receivedAt = Date.now();
    const record: InteractionRecord = {
      id, projectId, conversationId: cmd.conversationId ?? '', conversationAuto: cmd.conversationId === null, endUser: cmd.endUser,
      input: cmd.hideContent ? null : content.input, output: cmd.hideContent ? null : content.output,
      // Hashes of the raw text, so feedback that quotes it still matches after anonymization.
      inputHash: this.hashOf(cmd.input), outputHash: this.hashOf(cmd.output),
      messages: content.messages, history: content.history, systemPrompt: content.systemPrompt, model: content.model,
      ragSources: content.ragSources, tags: content.tags, featureFlags: content.featureFlags, traces: content.traces,
      timeStart: cmd.timeStart, timeEnd: cmd.timeEnd, hideContent: cmd.hideContent,
      piiRemoved: Object.keys(pii).length > 0, pii, receivedAt, source: cmd.source, traceId: cmd.traceId, spanId: cmd.spanId,
    };
    const actions = await Promise.all(cmd.feedbackActions.map(async (a): Promise<FeedbackRecord> => {
      const { text, pii: actionPii } = await this.anonymizedText(a.text, cmd.anonymize, options);
      return {
        id: newId(), projectId, eventId: null, slug: a.slug, text, value: a.value, endUser: cmd.endUser, timestamp: cmd.timeEnd,
        status: 'linked', link: 'id', interactionId: id, linkedTimeEnd: cmd.timeEnd, interactionRef: id, inputHash: null, outputHash: null,
        conversationId: null, flags: [], piiRemoved: Object.keys(actionPii).length > 0, pii: actionPii, receivedAt, traceRef: null, spanRef: null,
      };
    }));
    return { record, actions, clientChosenId: cmd.clientId !== null };
  }
}
