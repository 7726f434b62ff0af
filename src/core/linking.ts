// How feedback and tag updates find their interaction (API.md, "How feedback finds its interaction").
// Storage fetches a handful of index-backed candidates (LinkCandidateQuery -> LinkCandidates);
// the decision between them is made here, as pure functions.
import type { FeedbackSlug, InteractionSummary, InteractionSummaryWithText, LinkFlag, LinkRule } from './model.js';
import { normalizeText } from './text.js';

export interface LinkPolicy {
  /** Tolerance for front-end clocks: an interaction may end this long after the feedback's timestamp. */
  clockSkewMs: number;
  /** How far back the time rule looks for the interaction a feedback is about. */
  lookbackMs: number;
}

/** What a feedback (or tag update) says about the interaction it is about. */
export interface LinkSubject {
  slug: FeedbackSlug | null;
  endUser: string;
  timestamp: number;
  interactionRef: string | null;
  /** An OpenTelemetry trace id (and optionally span id) the feedback names. */
  traceRef: string | null;
  spanRef: string | null;
  inputHash: string | null;
  outputHash: string | null;
  /** Copied text for copy_input / copy_output (the raw text, and its stored form if anonymized). */
  copiedTexts: string[];
}

export interface LinkCandidateQuery {
  projectId: string;
  endUser: string;
  timestamp: number;
  interactionRef: string | null;
  traceRef: string | null;
  spanRef: string | null;
  inputHash: string | null;
  outputHash: string | null;
  /** Time rule window on time_end: [from, until]. */
  from: number;
  until: number;
  /** Recent interactions to search for copied text (latest first), or 0 when not needed. */
  recentLimit: number;
}

export interface LinkCandidates {
  byId: InteractionSummary | null;
  /** With traceRef: the interaction of that span (spanRef given), else the trace's latest by time_end. */
  byTrace: InteractionSummary | null;
  /** Content match (both hashes when both are given): the latest with time_end <= timestamp. */
  contentEndedBy: InteractionSummary | null;
  /** Content match: the earliest of all (used when none ended by the timestamp). */
  contentEarliest: InteractionSummary | null;
  /** The latest interaction of the end user with time_end in [from, timestamp]. */
  timeEndedBy: InteractionSummary | null;
  /** The earliest interaction of the end user with time_end in (timestamp, until]. */
  timeAfter: InteractionSummary | null;
  /** The end user's interactions with time_end in [from, until], latest first. */
  recent: InteractionSummaryWithText[];
}

export type LinkDecision =
  | { status: 'linked'; interactionId: string; link: LinkRule; flags: LinkFlag[]; linkedTimeEnd: number }
  | { status: 'pending' };

const RECENT_FOR_COPIED_TEXT = 50;

export function linkCandidateQuery(projectId: string, subject: LinkSubject, policy: LinkPolicy): LinkCandidateQuery {
  const usesContent = subject.inputHash !== null || subject.outputHash !== null;
  return {
    projectId,
    endUser: subject.endUser,
    timestamp: subject.timestamp,
    interactionRef: subject.interactionRef,
    traceRef: subject.traceRef,
    spanRef: subject.spanRef,
    inputHash: subject.inputHash,
    outputHash: subject.outputHash,
    from: subject.timestamp - policy.lookbackMs,
    until: subject.timestamp + policy.clockSkewMs,
    recentLimit: !usesContent && subject.interactionRef === null && subject.traceRef === null && subject.copiedTexts.length > 0 ? RECENT_FOR_COPIED_TEXT : 0,
  };
}

function linked(i: InteractionSummary, link: LinkRule, flags: LinkFlag[] = []): LinkDecision {
  return { status: 'linked', interactionId: i.id, link, flags, linkedTimeEnd: i.timeEnd };
}

/** Chooses the interaction a feedback is about, from candidates fetched for linkCandidateQuery(). */
export function chooseLink(subject: LinkSubject, c: LinkCandidates): LinkDecision {
  // 1. An explicit id wins; an id not (yet) known waits for its interaction.
  if (subject.interactionRef !== null) return c.byId ? linked(c.byId, 'id') : { status: 'pending' };
  // 1b. An OpenTelemetry trace: that span's interaction, or the trace's last LLM call (the answer
  // the user saw). Spans are exported in batches, so an unknown trace waits like an unknown id.
  if (subject.traceRef !== null) return c.byTrace ? linked(c.byTrace, 'trace') : { status: 'pending' };

  // 2. Content: equal input and/or output (compared as keyed hashes of normalised text).
  if (subject.inputHash !== null || subject.outputHash !== null) {
    const rule: LinkRule = subject.inputHash !== null && subject.outputHash !== null ? 'exact' : subject.inputHash !== null ? 'input' : 'output';
    if (c.contentEndedBy) return linked(c.contentEndedBy, rule);
    if (c.contentEarliest) return linked(c.contentEarliest, rule, ['timestamp_before_interaction_end']);
    return { status: 'pending' };
  }

  // 3a. Copied text: the latest interaction in the window whose input/output contains it.
  if (subject.copiedTexts.length > 0) {
    const field = subject.slug === 'copy_input' ? 'input' : 'output';
    const needles = subject.copiedTexts.map(normalizeText).filter((t) => t.length > 0);
    const byTimeEnd = c.recent.filter((i) => i.timeEnd <= subject.timestamp);
    const afterSkew = c.recent.filter((i) => i.timeEnd > subject.timestamp).reverse();
    for (const i of [...byTimeEnd, ...afterSkew]) {
      const haystack = i[field];
      if (haystack === null) continue;
      const normalised = normalizeText(haystack);
      if (needles.some((n) => normalised.includes(n))) {
        return linked(i, 'copied_text', i.timeEnd > subject.timestamp ? ['clock_skew'] : []);
      }
    }
  }

  // 3b. Time: the latest interaction that ended by the timestamp, else one that ended within the skew.
  if (c.timeEndedBy) return linked(c.timeEndedBy, 'time');
  if (c.timeAfter) return linked(c.timeAfter, 'time', ['clock_skew']);
  return { status: 'pending' };
}

/** Whether a newly stored interaction could change the decision for a feedback that is not final. */
export function interactionMayAffect(subject: LinkSubject,
  i: InteractionSummary & { id: string; inputHash: string | null; outputHash: string | null; traceId: string | null; spanId: string | null },
  policy: LinkPolicy): boolean {
  if (subject.interactionRef !== null) return subject.interactionRef === i.id;
  if (subject.traceRef !== null) return subject.traceRef === i.traceId && (subject.spanRef === null || subject.spanRef === i.spanId);
  if (subject.inputHash !== null || subject.outputHash !== null) {
    return (subject.inputHash === null || subject.inputHash === i.inputHash) &&
      (subject.outputHash === null || subject.outputHash === i.outputHash);
  }
  return i.timeEnd >= subject.timestamp - policy.lookbackMs && i.timeEnd <= subject.timestamp + policy.clockSkewMs;
}

/**
 * Links are final except those made by the time rule (rule 5: bulk uploads arrive out of order),
 * and a trace link made by trace id alone: it names "the trace's last LLM call", so it moves to an
 * LLM call of the same trace that ends later (exporters send a trace's spans in several batches).
 * It never leaves its trace. A trace link naming a span is final.
 */
export function isFinal(link: LinkRule | null, spanRef: string | null = null): boolean {
  return link !== null && link !== 'time' && !(link === 'trace' && spanRef === null);
}

/** Tag updates name the interaction's time_start: the candidates nearest to it on either side. */
export interface TagCandidates {
  startedBy: InteractionSummary | null;
  startedAfter: InteractionSummary | null;
}

export function chooseTagTarget(timestamp: number, c: TagCandidates): InteractionSummary | null {
  const { startedBy: before, startedAfter: after } = c;
  if (before && after) return timestamp - before.timeStart <= after.timeStart - timestamp ? before : after;
  return before ?? after;
}
