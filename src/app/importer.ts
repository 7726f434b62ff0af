// The import (backfill): JSONL lines -> the same validation, normalisation, PII removal, linking and
// rollups as the HTTP ingestion path, with many lines in flight at once so that group commit puts
// hundreds of them in each transaction. Each line is one of:
//  - a compat body with a `type` naming its ingestion endpoint (`v1/events/feedback`, ...);
//  - a line of feedloop's own export (interactions, feedback or conversations .jsonl), stored as
//    it was: ids, links and times kept (restore-ops.ts), so export -> import reproduces the data;
//  - with format langfuse / langsmith, a line of those tools' exports (core/importing/).
// A bad line is reported (line number, JSON pointer) and the import goes on. Idempotent: ids the
// lines lack are derived from the project and the line's text, so a second run stores nothing
// twice. The committed prefix (every line up to it settled) is tracked for resuming.
import type { TSchema } from 'typebox';
import { FeedloopError, validationFailed, type FieldError } from '../core/errors.js';
import { mapLangfuse } from '../core/importing/langfuse.js';
import { mapLangSmith } from '../core/importing/langsmith.js';
import type { Mapped } from '../core/importing/mapped.js';
import { isObject, type Json } from '../core/importing/mapping.js';
import {
  checkOwnLine, ConversationLineSchema, FeedbackLineSchema, feedbackFromLine, interactionFromLine, InteractionLineSchema, ownLineKind,
  type ConversationLine, type FeedbackLine, type InteractionLine,
} from '../core/wire/export-lines.js';
import {
  checkFeedbackBody, checkInteractionBody, checkTagsBody, checkTraceConversationBody,
  toConversationCommands, toFeedbackCommand, toInteractionCommand, toTagUpdateCommand,
} from '../core/wire/normalize.js';
import {
  FeedbackBodySchema, TagsBodySchema, TraceConversationBodySchema, TraceInteractionBodySchema, V1InteractionBodySchema, V2InteractionBodySchema,
  type FeedbackBody, type InteractionBody, type TagsBody, type TraceConversationBody,
} from '../core/wire/schemas.js';
import type { TimeWindow } from '../core/time.js';
import { scanJson, type JsonLimits } from '../core/wire/json-scan.js';
import type { StorageReader } from '../storage/port.js';
import type { Ingestion } from './ingestion.js';
import type { Line } from './line-reader.js';
import { derivedId, type RestoreResult } from './restore-ops.js';

export type ImportFormat = 'feedloop' | 'langfuse' | 'langsmith';
export const IMPORT_FORMATS: readonly ImportFormat[] = ['feedloop', 'langfuse', 'langsmith'];

/** The schema errors of a value, as a route's 422 lists them (Ajv, compiled once per schema, at the edge). */
export type SchemaCheck = (schema: TSchema, value: unknown) => FieldError[];

export interface LineError { line: number; pointer: string; detail: string }

export interface ImportSettings {
  projectId: string;
  format: ImportFormat;
  /** Overrides every line's own choice (compat bodies' `anonymize`); own export lines are re-anonymized only when true. */
  anonymize: boolean | null;
  /** Lines being stored at once (default 2000). */
  concurrency?: number;
  /** Errors kept in the summary (default 1000); every one goes to onError. */
  keepErrors?: number;
  onError?: (error: LineError) => void;
  /** Limits each line is held to before it is parsed, as a request body is (core/wire/json-scan.ts); none when left out. */
  jsonLimits?: JsonLimits;
  /** The times lines may carry, as for the ingestion endpoints (FEEDLOOP_EARLIEST_TIME, FEEDLOOP_MAX_FUTURE). */
  window?: { earliest: number; maxFutureMs: number };
  /** The number and byte offset of the first line read (a resumed import starts after its committed lines). */
  firstLine?: number;
  firstOffset?: number;
}

export interface ImportCounts {
  /** Lines read (blank ones included). */
  lines: number;
  /** Interactions and feedback stored by this run. */
  stored: number;
  /** Interactions and feedback found stored before (a line imported again). */
  unchanged: number;
  /** Lines read but not stored on purpose (another tool's evaluator scores, child runs...). */
  skipped: number;
  /** Lines rejected (reported with their line number). */
  failed: number;
}

export interface ImportSummary extends ImportCounts {
  errors: LineError[];
  /** Why lines were skipped, with how many. */
  skipped_reasons: Record<string, number>;
  /** Every line up to this one is settled (stored, skipped or reported): where a resumed import starts. */
  committed_line: number;
  committed_offset: number;
  /** The import stopped before the end (stop(), or a storage failure: `fatal`). */
  interrupted: boolean;
  fatal?: string;
}

const COMPAT = {
  'v1/events/feedback': { schema: FeedbackBodySchema, kind: 'feedback', source: '', rules: checkFeedbackBody },
  'v1/events/interactions': { schema: V1InteractionBodySchema, kind: 'interaction', source: 'v1/interactions', rules: (b: unknown, window: TimeWindow) => checkInteractionBody(b, { inputRequired: true, window }) },
  'v1/events/trace_interaction': { schema: TraceInteractionBodySchema, kind: 'interaction', source: 'v1/trace_interaction', rules: (b: unknown, window: TimeWindow) => checkInteractionBody(b, { inputRequired: true, window }) },
  'v2/events/interactions': { schema: V2InteractionBodySchema, kind: 'interaction', source: 'v2/interactions', rules: (b: unknown, window: TimeWindow) => checkInteractionBody(b, { inputRequired: false, window }) },
  'v2/events/trace_interaction': { schema: TraceInteractionBodySchema, kind: 'interaction', source: 'v2/trace_interaction', rules: (b: unknown, window: TimeWindow) => checkInteractionBody(b, { inputRequired: true, window }) },
  'v3/events/trace_interaction': { schema: TraceInteractionBodySchema, kind: 'interaction', source: 'v3/trace_interaction', rules: (b: unknown, window: TimeWindow) => checkInteractionBody(b, { inputRequired: true, window }) },
  'v2/events/trace_conversation': { schema: TraceConversationBodySchema, kind: 'conversation', source: 'v2/trace_conversation', rules: checkTraceConversationBody },
  'v2/events/tags': { schema: TagsBodySchema, kind: 'tags', source: '', rules: checkTagsBody },
} as const;
export const COMPAT_TYPES = Object.keys(COMPAT);

/** `v1/events/feedback`, with or without a leading `/event-ingestion/api/`. */
const typeOf = (t: string) => t.replace(/^\/+/, '').replace(/^event-ingestion\/api\//, '');

/** What storing one line did. */
interface Outcome { stored: number; unchanged: number; skipped: number; reason?: string }
const STORED: Outcome = { stored: 1, unchanged: 0, skipped: 0 };
const UNCHANGED: Outcome = { stored: 0, unchanged: 1, skipped: 0 };
const outcome = (created: boolean) => (created ? STORED : UNCHANGED);
/** An interaction of an export with the feedback that came with it. */
const restored = (results: RestoreResult<unknown>[]): Outcome => results.reduce((o, r) => ({
  stored: o.stored + (r.created ? 1 : 0) + (r.feedback?.created ?? 0),
  unchanged: o.unchanged + (r.created ? 0 : 1) + (r.feedback?.existing ?? 0), skipped: 0,
}), { stored: 0, unchanged: 0, skipped: 0 });

const lineError = (pointer: string, detail: string) => validationFailed([{ pointer, detail }]);
/** History may be old: the endpoints' default window (from 1970 to a day ahead). */
const DEFAULT_WINDOW = { earliest: 0, maxFutureMs: 86_400_000 };

export class ImportRun {
  readonly counts: ImportCounts = { lines: 0, stored: 0, unchanged: 0, skipped: 0, failed: 0 };
  readonly errors: LineError[] = [];
  readonly skippedReasons = new Map<string, number>();
  private active = 0;
  private wake: (() => void) | null = null;
  /** Lines not settled yet, by number, with their start offsets (insertion order is line order). */
  private readonly unsettled = new Map<number, number>();
  private lastLine = 0;
  private lastEnd = 0;
  private stopped = false;
  private fatal: Error | null = null;
  /** Interactions being stored, by id: feedback that names one waits for it (own exports, other tools' scores). */
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /** End users of interactions this run stored, and child runs' traces (LangSmith), for the feedback that follows. */
  private readonly endUsers = new Map<string, string>();
  private readonly childTraces = new Map<string, string>();

  constructor(private readonly ingestion: Ingestion, private readonly reader: StorageReader, private readonly check: SchemaCheck,
    private readonly settings: ImportSettings) {
    this.lastLine = (settings.firstLine ?? 1) - 1;
    this.lastEnd = settings.firstOffset ?? 0;
  }

  /** Stops reading further lines; those in flight still settle. */
  stop(): void {
    this.stopped = true;
  }

  /** The byte offset after the last line read. */
  position(): number {
    return this.lastEnd;
  }

  /** The settled prefix: every line up to `line` is done; a resumed import starts at byte `offset`. */
  committed(): { line: number; offset: number } {
    for (const [line, start] of this.unsettled) return { line: line - 1, offset: start };
    return { line: this.lastLine, offset: this.lastEnd };
  }

  async consume(lines: AsyncIterable<Line>): Promise<ImportSummary> {
    const concurrency = this.settings.concurrency ?? 2000;
    for await (const line of lines) {
      if (this.stopped || this.fatal) break;
      const n = ++this.lastLine;
      this.lastEnd = line.end;
      this.counts.lines++;
      if (line.tooLong) {
        this.fail(n, lineError('', 'is longer than the largest line an import reads'));
        continue;
      }
      if (line.text.trim() === '') continue;
      this.active++;
      this.unsettled.set(n, line.start);
      void this.handle(line.text).then(
        (o) => this.settle(n, o),
        (error: unknown) => this.settle(n, null, error),
      );
      while (this.active >= concurrency) await new Promise<void>((r) => { this.wake = r; });
    }
    while (this.active > 0) await new Promise<void>((r) => { this.wake = r; });
    const committed = this.committed();
    return {
      ...this.counts, errors: this.errors, skipped_reasons: Object.fromEntries(this.skippedReasons), committed_line: committed.line,
      committed_offset: committed.offset, interrupted: this.stopped || this.fatal !== null, ...(this.fatal ? { fatal: this.fatal.message } : {}),
    };
  }

  private settle(n: number, o: Outcome | null, error?: unknown): void {
    this.active--;
    if (o) {
      this.counts.stored += o.stored;
      this.counts.unchanged += o.unchanged;
      this.counts.skipped += o.skipped;
      if (o.reason) this.skippedReasons.set(o.reason, (this.skippedReasons.get(o.reason) ?? 0) + 1);
      this.unsettled.delete(n);
    } else if (error instanceof FeedloopError && error.isUserError) {
      this.fail(n, error);
      this.unsettled.delete(n);
    } else {
      // Storage failed (or a bug): stop, and keep this line out of the committed prefix.
      this.fatal ??= error instanceof Error ? error : new Error(String(error));
    }
    this.wake?.();
    this.wake = null;
  }

  private fail(line: number, error: FeedloopError): void {
    this.counts.failed++;
    const found = error.errors.length > 0 ? error.errors : [{ pointer: '', detail: error.message }];
    for (const e of found) {
      const reported = { line, pointer: e.pointer, detail: e.detail };
      if (this.errors.length < (this.settings.keepErrors ?? 1000)) this.errors.push(reported);
      this.settings.onError?.(reported);
    }
  }

  private validate<T>(schema: TSchema, rules: (value: unknown, window: TimeWindow) => FieldError[], value: unknown): T {
    const schemaErrors = this.check(schema, value);
    const seen = new Set(schemaErrors.map((e) => e.pointer));
    const window = { ...(this.settings.window ?? DEFAULT_WINDOW), now: Date.now() };
    const errors = [...schemaErrors, ...rules(value, window).filter((e) => !seen.has(e.pointer))];
    if (errors.length > 0) throw validationFailed(errors);
    return value as T;
  }

  private track<T>(id: string, work: Promise<T>): Promise<T> {
    this.inFlight.set(id, work);
    void work.catch(() => undefined).finally(() => { if (this.inFlight.get(id) === work) this.inFlight.delete(id); });
    return work;
  }

  private async waitFor(id: string | null): Promise<void> {
    const pending = id === null ? undefined : this.inFlight.get(id);
    if (pending) await pending.catch(() => undefined);
  }

  private async handle(text: string): Promise<Outcome> {
    if (this.settings.jsonLimits) {
      const scan = scanJson(text, this.settings.jsonLimits);
      if (!scan.ok && scan.kind === 'syntax') throw lineError('', `is not valid JSON (byte ${scan.offset} of the line: ${scan.detail})`);
      if (!scan.ok && scan.kind === 'content') throw validationFailed(scan.errors);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw lineError('', `is not valid JSON (${(error as Error).message})`);
    }
    if (!isObject(value)) throw lineError('', 'must be a JSON object');
    switch (this.settings.format) {
      case 'feedloop': return typeof value['type'] === 'string' || 'type' in value ? this.compat(value, text) : this.own(value);
      case 'langfuse': return this.mapped(mapLangfuse(value), text);
      case 'langsmith': return this.mapped(mapLangSmith(value), text);
    }
  }

  private derived(text: string, ...more: string[]): string {
    return derivedId(this.settings.projectId, 'import', text, ...more);
  }

  private async compat(line: Json, text: string): Promise<Outcome> {
    const type = typeof line['type'] === 'string' ? typeOf(line['type']) : '';
    const endpoint = (COMPAT as Record<string, (typeof COMPAT)[keyof typeof COMPAT]>)[type];
    if (!endpoint) throw lineError('/type', `must name an ingestion endpoint: ${COMPAT_TYPES.join(', ')}`);
    const { type: _type, ...body } = line;
    const anonymize = this.settings.anonymize;
    const project = this.settings.projectId;
    const started = Date.now();
    switch (endpoint.kind) {
      case 'feedback': {
        const valid = this.validate<FeedbackBody>(endpoint.schema, endpoint.rules, body);
        const command = toFeedbackCommand(valid);
        if (anonymize !== null) command.anonymize = anonymize;
        command.eventId ??= this.derived(text);
        await this.waitFor(command.interactionRef);
        const stored = await this.ingestion.recordFeedback(project, command);
        return outcome(stored.receivedAt >= started);
      }
      case 'interaction': {
        const valid = this.validate<InteractionBody>(endpoint.schema, endpoint.rules, body);
        const command = toInteractionCommand(valid, `import/${endpoint.source}`);
        if (anonymize !== null) command.anonymize = anonymize;
        command.clientId ??= this.derived(text);
        const [stored] = await this.track(command.clientId, this.ingestion.recordInteractions(project, [command]));
        return outcome(stored!.receivedAt >= started);
      }
      case 'conversation': {
        const valid = this.validate<TraceConversationBody>(endpoint.schema, endpoint.rules, body);
        const commands = toConversationCommands(valid, valid.conversation.conversation_id || this.derived(text, 'conversation'));
        commands.forEach((c, k) => {
          c.source = `import/${endpoint.source}`;
          c.clientId ??= this.derived(text, String(k));
          if (anonymize !== null) c.anonymize = anonymize;
        });
        const stored = await this.ingestion.recordInteractions(project, commands);
        const created = stored.filter((i) => i.receivedAt >= started).length;
        return { stored: created, unchanged: stored.length - created, skipped: 0 };
      }
      case 'tags': {
        const valid = this.validate<TagsBody>(endpoint.schema, endpoint.rules, body);
        await this.ingestion.recordTagUpdate(project, toTagUpdateCommand(valid), this.derived(text));
        return { stored: 0, unchanged: 0, skipped: 0 };
      }
    }
  }

  private async own(line: Json): Promise<Outcome> {
    const kind = ownLineKind(line);
    if (kind === null) {
      throw lineError('', 'is neither a compat body (a "type" naming its endpoint) nor a line of feedloop\'s interactions, feedback or conversations export');
    }
    const project = this.settings.projectId;
    const anonymize = this.settings.anonymize === true;
    const now = Date.now();
    switch (kind) {
      case 'interaction': {
        const valid = this.validate<InteractionLine>(InteractionLineSchema, (v) => checkOwnLine('interaction', v), line);
        const { record, feedback } = interactionFromLine(project, valid, now);
        return restored([await this.track(record.id, this.ingestion.restoreInteraction(record, feedback, anonymize))]);
      }
      case 'feedback': {
        const valid = this.validate<FeedbackLine>(FeedbackLineSchema, (v) => checkOwnLine('feedback', v), line);
        const record = feedbackFromLine(project, valid, now);
        await this.waitFor(record.interactionId ?? record.interactionRef);
        return outcome((await this.ingestion.restoreFeedback(record, anonymize)).created);
      }
      case 'conversation': {
        const valid = this.validate<ConversationLine>(ConversationLineSchema, (v) => checkOwnLine('conversation', v), line);
        return restored(await Promise.all(valid.interactions.map((i) => {
          const { record, feedback } = interactionFromLine(project, i, now);
          return this.track(record.id, this.ingestion.restoreInteraction(record, feedback, anonymize));
        })));
      }
    }
  }

  private async mapped(m: Mapped, text: string): Promise<Outcome> {
    const project = this.settings.projectId;
    const anonymize = this.settings.anonymize;
    const started = Date.now();
    switch (m.kind) {
      case 'invalid': throw validationFailed(m.errors);
      case 'skip': return { stored: 0, unchanged: 0, skipped: 1, reason: m.reason };
      case 'child':
        if (this.childTraces.size > 1_000_000) this.childTraces.clear();
        this.childTraces.set(m.id, m.traceId);
        return { stored: 0, unchanged: 0, skipped: 1, reason: m.reason };
      case 'interaction': {
        if (this.endUsers.size > 1_000_000) this.endUsers.clear();
        this.endUsers.set(m.id, m.endUser);
        const body = { ...m.body, ...(anonymize === null ? {} : { anonymize }) };
        const valid = this.validate<InteractionBody>(V2InteractionBodySchema, (b, window) => checkInteractionBody(b, { inputRequired: false, window }), body);
        const command = toInteractionCommand(valid, `import/${this.settings.format}`);
        command.clientId ??= this.derived(text);
        const [stored] = await this.track(m.id, this.ingestion.recordInteractions(project, [command]));
        return outcome(stored!.receivedAt >= started);
      }
      case 'feedback': {
        const target = this.childTraces.get(m.interactionId) ?? m.interactionId;
        await this.waitFor(target);
        const endUser = this.endUsers.get(target) ?? (await this.reader.getInteraction(project, target))?.endUser ?? 'anonymous';
        const body = { ...m.body, metadata: { ...m.body.metadata, interaction_id: target, end_user: endUser, ...(anonymize === null ? {} : { anonymize }) } };
        const valid = this.validate<FeedbackBody>(FeedbackBodySchema, checkFeedbackBody, body);
        const command = toFeedbackCommand(valid);
        command.eventId ??= this.derived(text);
        const stored = await this.ingestion.recordFeedback(project, command);
        return outcome(stored.receivedAt >= started);
      }
    }
  }
}
