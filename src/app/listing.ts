// The lists of the read API: feedback, interactions (with the current state of their feedback, and
// filtered by it), a conversation, an end user. Keyset pages throughout: a cursor is the (time, id)
// of the last row a page looked at, so a walk sees every row once even while rows are inserted.
import { feedbackEvent, summarize, type FeedbackSummary } from '../core/feedback-summary.js';
import type { FeedbackRecord, InteractionRecord } from '../core/model.js';
import {
  admitsNoFeedback, hasStateFilter, matchesState, noInteractionFilter, requiredSlug,
  type FeedbackFilter, type FeedbackStateFilter, type InteractionFilter, type Order,
} from '../core/queries.js';
import type { ConversationSummary, Cursor, EndUserOverview, PageQuery, StorageReader } from '../storage/port.js';

export interface Page<T> { items: T[]; next: Cursor | null }

export interface InteractionWithFeedback { interaction: InteractionRecord; feedback: FeedbackRecord[]; summary: FeedbackSummary }

/**
 * A page of a scan whose filter the database decides alone: one row more than asked tells whether
 * there is a next page.
 */
function pageOf<T>(rows: T[], limit: number, position: (row: T) => Cursor): Page<T> {
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? position(items[items.length - 1]!) : null };
}

export async function listFeedback(reader: StorageReader, projectId: string, filter: FeedbackFilter, page: PageQuery,
  pendingCutoff: number): Promise<Page<FeedbackRecord>> {
  const rows = await reader.listFeedback(projectId, filter, { ...page, limit: page.limit + 1 }, pendingCutoff);
  return pageOf(rows, page.limit, (f) => ({ time: f.timestamp, id: f.id }));
}

export async function withFeedback(reader: StorageReader, projectId: string, interactions: InteractionRecord[]): Promise<InteractionWithFeedback[]> {
  const feedback = await reader.listFeedbackOfInteractions(projectId, interactions.map((i) => i.id));
  return interactions.map((interaction) => {
    const own = feedback.get(interaction.id) ?? [];
    return { interaction, feedback: own, summary: summarize(own.map(feedbackEvent)) };
  });
}

/** How many positions one request may look at before it answers with what it found (and a cursor to go on). */
const scanBudget = (limit: number) => Math.max(2000, 20 * limit);

/**
 * Interactions in (time_end, id) order that pass the filters, with their feedback; each chunk of
 * positions comes either from the interactions themselves or, when the state filter needs
 * feedback, from the index of linked feedback. Yields after each chunk, with the last position seen.
 */
export async function* scanInteractions(reader: StorageReader, projectId: string, filter: InteractionFilter, state: FeedbackStateFilter,
  order: Order, after: Cursor | null, chunk = 500): AsyncGenerator<{ matches: InteractionWithFeedback[]; position: Cursor | null; done: boolean }> {
  const fromReactions = !admitsNoFeedback(state);
  const withoutFeedback = state.feedback === 'none';
  let cursor = after;
  for (;;) {
    const page: PageQuery = { after: cursor, limit: chunk, order };
    let positions: Cursor[];
    let found: InteractionRecord[];
    if (fromReactions) {
      const candidates = await reader.listReactedInteractions(projectId, requiredSlug(state), { from: filter.from, to: filter.to }, page);
      positions = candidates.map((c) => ({ time: c.timeEnd, id: c.interactionId }));
      // The state filter first, on the few columns it reads; whole rows only for the candidates that pass it.
      const events = positions.length === 0 ? new Map() : await reader.listFeedbackEventsOfInteractions(projectId, positions.map((p) => p.id));
      const passing = positions.filter((p) => matchesState(summarize(events.get(p.id) ?? []), state)).map((p) => p.id);
      found = passing.length === 0 ? [] : await reader.findInteractions(projectId, passing, filter);
    } else {
      found = await reader.listInteractions(projectId, filter, page, { withoutFeedback });
      positions = found.map((i) => ({ time: i.timeEnd, id: i.id }));
    }
    const byId = new Map((await withFeedback(reader, projectId, found)).map((item) => [item.interaction.id, item]));
    const matches: InteractionWithFeedback[] = [];
    for (const p of positions) {
      const item = byId.get(p.id);
      if (item && matchesState(item.summary, state)) matches.push(item);
    }
    cursor = positions.at(-1) ?? cursor;
    const done = positions.length < chunk;
    yield { matches, position: cursor, done };
    if (done) return;
  }
}

/**
 * A page of interactions. Filters on the feedback state are decided here, on the current state:
 * a page may then hold fewer items than asked when matches are sparse (the scan stops after a
 * budget of positions, so every request answers fast); its cursor goes on from where it stopped.
 */
export async function listInteractions(reader: StorageReader, projectId: string, filter: InteractionFilter, state: FeedbackStateFilter,
  page: PageQuery): Promise<Page<InteractionWithFeedback>> {
  const onlyWithoutFeedback = state.feedback === 'none' && state.minRating === null && state.maxRating === null && state.hasComment === null;
  if (!hasStateFilter(state) || onlyWithoutFeedback) {
    const rows = await reader.listInteractions(projectId, filter, { ...page, limit: page.limit + 1 }, { withoutFeedback: onlyWithoutFeedback });
    const { items, next } = pageOf(rows, page.limit, (i) => ({ time: i.timeEnd, id: i.id }));
    return { items: await withFeedback(reader, projectId, items), next };
  }
  const items: InteractionWithFeedback[] = [];
  let scanned = 0;
  // Enough candidates for a full page in one chunk when about a third of them match.
  const chunk = Math.min(1000, Math.max(100, 3 * page.limit));
  for await (const step of scanInteractions(reader, projectId, filter, state, page.order, page.after, chunk)) {
    for (const item of step.matches) {
      items.push(item);
      if (items.length === page.limit) return { items, next: { time: item.interaction.timeEnd, id: item.interaction.id } };
    }
    scanned += chunk;
    if (step.done) return { items, next: null };
    if (scanned >= scanBudget(page.limit)) return { items, next: step.position };
  }
  return { items, next: null };
}

export async function conversation(reader: StorageReader, projectId: string, conversationId: string, page: PageQuery): Promise<Page<InteractionWithFeedback>> {
  const rows = await reader.listConversation(projectId, conversationId, { ...page, limit: page.limit + 1 });
  const { items, next } = pageOf(rows, page.limit, (i) => ({ time: i.timeStart, id: i.id }));
  return { items: await withFeedback(reader, projectId, items), next };
}

export interface EndUserPage {
  overview: EndUserOverview;
  recentFeedback: Page<FeedbackRecord>;
  recentConversations: ConversationSummary[];
}

export async function endUser(reader: StorageReader, projectId: string, endUserId: string, pendingCutoff: number, recent = 50): Promise<EndUserPage | null> {
  const overview = await reader.endUserOverview(projectId, endUserId);
  if (!overview) return null;
  const recentFeedback = await listFeedback(reader, projectId, { ...noFeedbackFilter(), endUser: endUserId }, { after: null, limit: recent, order: 'newest' }, pendingCutoff);
  return { overview, recentFeedback, recentConversations: await reader.listEndUserConversations(projectId, endUserId, recent) };
}

export const noFeedbackFilter = (): FeedbackFilter => ({
  ...noInteractionFilter(), slugs: [], status: null, hasText: null, value: null, minValue: null, maxValue: null, interactionId: null,
});
