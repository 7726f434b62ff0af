// The write path: commands (already validated) -> anonymized, hashed records -> linked -> stored,
// each request's rows in the group-commit transaction of its event-loop turn.
import type { FeedbackCommand, InteractionCommand, TagUpdateCommand } from '../core/commands.js';
import { chooseConversation } from '../core/conversations.js';
import { newId } from '../core/ids.js';
import { chooseLink, chooseTagTarget, interactionMayAffect, isFinal, linkCandidateQuery, type LinkPolicy, type LinkSubject } from '../core/linking.js';
import type { FeedbackRecord, InteractionRecord, PiiCounts, TagUpdateRecord, Trace } from '../core/model.js';
import type { ContentHasher } from '../core/text.js';
import type { LinkUpdate, StorageTransaction } from '../storage/port.js';
import { anonymizeFields, type Anonymizer } from './anonymizer.js';
import type { WriteQueue } from './write-queue.js';

export interface IngestionPolicy extends LinkPolicy {
  /** Inactivity after which an end user's next interaction starts a new conversation. */
  conversationGapMs: number;
}

interface BuiltInteraction { record: InteractionRecord; actions: FeedbackRecord[]; clientChosenId: boolean }

export interface TagUpdateResult { status: 'linked' | 'pending'; interactionId: string | null }

const hasContent = (text: string | null): text is string => text !== null && text.trim().length > 0;

/** What linking needs to know about a stored feedback, to run the rules again. */
function subjectOf(f: FeedbackRecord, copiedTexts: string[]): LinkSubject {
  return { slug: f.slug, endUser: f.endUser, timestamp: f.timestamp, interactionRef: f.interactionRef, inputHash: f.inputHash, outputHash: f.outputHash, copiedTexts };
}

const isCopy = (slug: string) => slug === 'copy_input' || slug === 'copy_output';

/** Traces keep their structure and token counts under hide_content, but no content. */
function withoutContent(trace: Trace): Trace {
  return trace.kind === 'llm'
    ? { ...trace, messages: null, input: null, output: null, system_prompt: null, history: null }
    : { ...trace, input: null, outputs: [] };
}

export class Ingestion {
  constructor(
    private readonly queue: WriteQueue,
    private readonly anonymizer: Anonymizer,
    private readonly hash: ContentHasher,
    private readonly policy: IngestionPolicy,
  ) {}

  async recordFeedback(projectId: string, cmd: FeedbackCommand): Promise<FeedbackRecord> {
    let text = cmd.text;
    let pii: PiiCounts = {};
    if (cmd.anonymize && text !== null) ({ fields: { text }, counts: pii } = await anonymizeFields(this.anonymizer, { text }));
    const record: FeedbackRecord = {
      id: newId(), projectId, eventId: cmd.eventId, slug: cmd.slug, text, value: cmd.value, endUser: cmd.endUser,
      timestamp: cmd.timestamp, status: 'pending', link: null, interactionId: null, linkedTimeEnd: null,
      interactionRef: cmd.interactionRef,
      inputHash: hasContent(cmd.input) ? this.hash(cmd.input) : null,
      outputHash: hasContent(cmd.output) ? this.hash(cmd.output) : null,
      conversationId: cmd.conversationId, flags: [], piiRemoved: Object.keys(pii).length > 0, pii, receivedAt: Date.now(),
    };
    // Copied text is compared raw now and in its stored (possibly anonymized) form on later re-runs.
    const copiedTexts = isCopy(cmd.slug) && hasContent(cmd.text) ? [...new Set([cmd.text, text!])] : [];

    return this.queue.run(async (tx) => {
      // Lock first: a concurrent retry of the same event (same end user) on another instance then
      // commits before this check runs, and is found.
      await tx.lockEndUser(projectId, record.endUser);
      if (record.eventId !== null) {
        const existing = await tx.findFeedbackByEventId(projectId, record.eventId);
        if (existing) return existing;
      }
      const subject = subjectOf(record, copiedTexts);
      const decision = chooseLink(subject, await tx.findLinkCandidates(linkCandidateQuery(projectId, subject, this.policy)));
      if (decision.status === 'linked') Object.assign(record, decision);
      await tx.insertFeedback([record]);
      return record;
    });
  }

  /** Stores interactions (one, or a whole conversation) in one transaction; returns them in order. */
  async recordInteractions(projectId: string, commands: InteractionCommand[]): Promise<InteractionRecord[]> {
    const built = await Promise.all(commands.map((c) => this.buildInteraction(projectId, c)));
    return this.queue.run(async (tx) => {
      const stored: InteractionRecord[] = [];
      for (const b of built) stored.push(await this.storeInteraction(tx, b));
      return stored;
    });
  }

  async recordTagUpdate(projectId: string, cmd: TagUpdateCommand): Promise<TagUpdateResult> {
    const update: TagUpdateRecord = {
      id: newId(), projectId, endUser: cmd.endUser, timestamp: cmd.timestamp,
      inputHash: hasContent(cmd.input) ? this.hash(cmd.input) : null, outputHash: hasContent(cmd.output) ? this.hash(cmd.output) : null,
      tags: cmd.tags, status: 'pending', interactionId: null, receivedAt: Date.now(),
    };
    return this.queue.run(async (tx) => {
      await tx.lockEndUser(projectId, update.endUser);
      const target = chooseTagTarget(update.timestamp,
        await tx.findTagCandidates(projectId, update.endUser, update.timestamp, this.policy.clockSkewMs, update.inputHash, update.outputHash));
      if (target) {
        await tx.addInteractionTags(projectId, target.id, update.tags);
        Object.assign(update, { status: 'linked', interactionId: target.id });
      }
      await tx.insertTagUpdate(update);
      return { status: target ? 'linked' : 'pending', interactionId: update.interactionId };
    });
  }

  private async buildInteraction(projectId: string, cmd: InteractionCommand): Promise<BuiltInteraction> {
    let content = {
      input: cmd.input, output: cmd.output, messages: cmd.messages, history: cmd.history,
      systemPrompt: cmd.systemPrompt, ragSources: cmd.ragSources, traces: cmd.traces,
    };
    let pii: PiiCounts = {};
    if (cmd.hideContent) {
      content = { input: '', output: '', messages: null, history: null, systemPrompt: null, ragSources: null, traces: cmd.traces?.map(withoutContent) ?? null };
    } else if (cmd.anonymize) {
      ({ fields: content, counts: pii } = await anonymizeFields(this.anonymizer, content));
    }
    const id = cmd.clientId ?? newId();
    const receivedAt = Date.now();
    const record: InteractionRecord = {
      id, projectId, conversationId: cmd.conversationId ?? '', conversationAuto: cmd.conversationId === null, endUser: cmd.endUser,
      input: cmd.hideContent ? null : content.input, output: cmd.hideContent ? null : content.output,
      // Hashes of the raw text, so feedback that quotes it still matches after anonymization.
      inputHash: hasContent(cmd.input) ? this.hash(cmd.input) : null, outputHash: hasContent(cmd.output) ? this.hash(cmd.output) : null,
      messages: content.messages, history: content.history, systemPrompt: content.systemPrompt, model: cmd.model,
      ragSources: content.ragSources, tags: cmd.tags, featureFlags: cmd.featureFlags, traces: content.traces,
      timeStart: cmd.timeStart, timeEnd: cmd.timeEnd, hideContent: cmd.hideContent,
      piiRemoved: Object.keys(pii).length > 0, pii, receivedAt, source: cmd.source,
    };
    const actions = await Promise.all(cmd.feedbackActions.map(async (a): Promise<FeedbackRecord> => {
      let text = a.text;
      let actionPii: PiiCounts = {};
      if (cmd.anonymize && text !== null) ({ fields: { text }, counts: actionPii } = await anonymizeFields(this.anonymizer, { text }));
      return {
        id: newId(), projectId, eventId: null, slug: a.slug, text, value: a.value, endUser: cmd.endUser, timestamp: cmd.timeEnd,
        status: 'linked', link: 'id', interactionId: id, linkedTimeEnd: cmd.timeEnd, interactionRef: id, inputHash: null, outputHash: null,
        conversationId: null, flags: [], piiRemoved: Object.keys(actionPii).length > 0, pii: actionPii, receivedAt,
      };
    }));
    return { record, actions, clientChosenId: cmd.clientId !== null };
  }

  private async storeInteraction(tx: StorageTransaction, { record, actions, clientChosenId }: BuiltInteraction): Promise<InteractionRecord> {
    const { projectId, endUser } = record;
    await tx.lockEndUser(projectId, endUser);
    // A client-chosen id seen before: a retry; answer what was stored.
    const existing = clientChosenId ? await tx.findInteractionById(projectId, record.id) : null;
    if (existing) return existing;
    if (record.conversationAuto) {
      const neighbours = await tx.findConversationNeighbours(projectId, endUser, record.timeStart);
      record.conversationId = chooseConversation(record.timeStart, record.timeEnd, neighbours, this.policy.conversationGapMs) ?? newId();
    }
    for (const a of actions) a.conversationId = record.conversationId;
    await tx.insertInteractions([record]);
    if (actions.length > 0) await tx.insertFeedback(actions);
    await this.relink(tx, record);
    return record;
  }

  /** Runs the linking rules again for the feedback and tag updates a new interaction may concern. */
  private async relink(tx: StorageTransaction, interaction: InteractionRecord): Promise<void> {
    const { projectId, endUser } = interaction;
    const feedback = await tx.findRelinkableFeedback(projectId, endUser, interaction.id, interaction.timeEnd,
      { before: this.policy.clockSkewMs, after: this.policy.lookbackMs });
    const updates: LinkUpdate[] = [];
    for (const f of feedback) {
      if (f.status === 'linked' && isFinal(f.link)) continue;
      const subject = subjectOf(f, isCopy(f.slug) && hasContent(f.text) ? [f.text] : []);
      if (!interactionMayAffect(subject, interaction, this.policy)) continue;
      const decision = chooseLink(subject, await tx.findLinkCandidates(linkCandidateQuery(projectId, subject, this.policy)));
      if (decision.status === 'linked' && (decision.interactionId !== f.interactionId || decision.link !== f.link)) {
        updates.push({ id: f.id, status: 'linked', link: decision.link, interactionId: decision.interactionId, linkedTimeEnd: decision.linkedTimeEnd, flags: decision.flags });
      }
    }
    if (updates.length > 0) await tx.updateFeedbackLinks(projectId, updates);

    for (const t of await tx.findUnlinkedTagUpdates(projectId, endUser)) {
      const target = chooseTagTarget(t.timestamp, await tx.findTagCandidates(projectId, endUser, t.timestamp, this.policy.clockSkewMs, t.inputHash, t.outputHash));
      if (!target) continue;
      await tx.addInteractionTags(projectId, target.id, t.tags);
      await tx.markTagUpdateLinked(projectId, t.id, target.id);
    }
  }
}
