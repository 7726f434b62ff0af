// The exports' data: the keyset lists walked page by page, so an export of any size holds one page
// in memory at a time and a consumer that stops pulling (a slow or gone client) stops the queries.
// Feedback pages come with the interactions they are linked to (joined in the page's query);
// interactions with their feedback; conversations with all their interactions.
import type { InteractionRecord } from '../core/model.js';
import { hasStateFilter, type FeedbackFilter, type FeedbackStateFilter, type InteractionFilter, type Order } from '../core/queries.js';
import type { ConversationSummary, Cursor, FeedbackWithInteraction, StorageReader } from '../storage/port.js';
import { scanInteractions, withFeedback, type InteractionWithFeedback } from './listing.js';

/** Rows per page read from storage (one query per page, plus one for the linked rows). */
export const EXPORT_PAGE = 1000;

/** Feedback in list order, each with the interaction it is linked to (one query per page); at most `limit` rows. */
export async function* feedbackPages(reader: StorageReader, projectId: string, filter: FeedbackFilter, order: Order, pendingCutoff: number,
  limit = Infinity, pageSize = EXPORT_PAGE): AsyncGenerator<FeedbackWithInteraction[]> {
  let after: Cursor | null = null;
  let left = limit;
  while (left > 0) {
    const rows = await reader.listFeedbackWithInteractions(projectId, filter, { after, limit: Math.min(pageSize, left), order }, pendingCutoff);
    if (rows.length === 0) return;
    yield rows;
    left -= rows.length;
    const last = rows[rows.length - 1]!.feedback;
    after = { time: last.timestamp, id: last.id };
    if (rows.length < pageSize) return;
  }
}

/** Interactions in list order with their feedback, filtered on it too; at most `limit`. */
export async function* interactionPages(reader: StorageReader, projectId: string, filter: InteractionFilter, state: FeedbackStateFilter,
  order: Order, limit = Infinity, pageSize = EXPORT_PAGE): AsyncGenerator<InteractionWithFeedback[]> {
  let left = limit;
  if (hasStateFilter(state) && state.feedback !== 'none') {
    for await (const step of scanInteractions(reader, projectId, filter, state, order, null, pageSize)) {
      const matches = step.matches.slice(0, left);
      if (matches.length > 0) yield matches;
      left -= matches.length;
      if (left <= 0 || step.done) return;
    }
    return;
  }
  const withoutFeedback = state.feedback === 'none';
  let after: Cursor | null = null;
  while (left > 0) {
    const rows = await reader.listInteractions(projectId, filter, { after, limit: Math.min(pageSize, left), order }, { withoutFeedback });
    if (rows.length === 0) return;
    yield await withFeedback(reader, projectId, rows);
    left -= rows.length;
    const last = rows[rows.length - 1]!;
    after = { time: last.timeEnd, id: last.id };
    if (rows.length < pageSize) return;
  }
}

export interface ExportedConversation { summary: ConversationSummary; interactions: InteractionWithFeedback[] }

/** Conversations with an interaction matching `filter`, by id, each with all its interactions in time order. */
export async function* conversationPages(reader: StorageReader, projectId: string, filter: InteractionFilter, limit = Infinity,
  pageSize = 100): AsyncGenerator<ExportedConversation[]> {
  let after: string | null = null;
  let left = limit;
  while (left > 0) {
    const summaries = await reader.listConversations(projectId, filter, { after, limit: Math.min(pageSize, left) });
    if (summaries.length === 0) return;
    const page: ExportedConversation[] = [];
    for (const summary of summaries) {
      const interactions: InteractionRecord[] = [];
      for (let position: Cursor | null = null; ;) {
        const rows = await reader.listConversation(projectId, summary.id, { after: position, limit: EXPORT_PAGE, order: 'oldest' });
        interactions.push(...rows);
        if (rows.length < EXPORT_PAGE) break;
        const last = rows[rows.length - 1]!;
        position = { time: last.timeStart, id: last.id };
      }
      page.push({ summary, interactions: await withFeedback(reader, projectId, interactions) });
    }
    yield page;
    left -= summaries.length;
    after = summaries[summaries.length - 1]!.id;
    if (summaries.length < pageSize) return;
  }
}
