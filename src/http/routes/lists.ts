// The read API's lists (secret key): feedback, interactions with the current state of their
// feedback, one conversation, one end user. Thin: read the query, call src/app/listing.ts, shape.
import type { FastifyInstance } from 'fastify';
import { conversation, endUser, listFeedback, listInteractions } from '../../app/listing.js';
import { FeedloopError } from '../../core/errors.js';
import { FEEDBACK_SLUGS } from '../../core/model.js';
import type { FeedbackFilter, FeedbackStateFilter, InteractionFilter } from '../../core/queries.js';
import { formatTimestamp } from '../../core/time.js';
import type { StorageReader } from '../../storage/port.js';
import { projectOf } from '../auth.js';
import { encodeCursor, QueryParameters } from '../query.js';
import { ConversationView, EndUserView, FeedbackView, InteractionListItem, pageOf, queryString } from '../schemas/read-api.js';
import { feedbackView, interactionListView, interactionWithFeedbackView } from '../views.js';

export interface ListRoutesOptions { storage: StorageReader; pendingTtlMs: number }

const PAGE = { cursor: 'the next_cursor of the previous page', limit: 'items per page, 1-1000 (default 50)', order: 'newest (default) or oldest' };
const ON_INTERACTION = {
  model: 'the model of the interaction', feature_flag: 'a feature flag the interaction carries', tag: 'KEY:VALUE, a tag of the interaction (all must match)',
};

export const FEEDBACK_PARAMETERS = {
  ...PAGE, from: 'feedback timestamp at or after (ISO 8601)', to: 'feedback timestamp before (ISO 8601)', end_user: 'the end user who gave it',
  slug: `one of ${FEEDBACK_SLUGS.join(', ')}`, status: 'linked, pending or orphaned', has_text: 'true: carries a comment; false: does not',
  value: 'a rating value, 1-5', min_value: 'rating at least', max_value: 'rating at most', ...ON_INTERACTION,
  conversation_id: 'the conversation it is about', interaction_id: 'the interaction it is linked to', q: 'text contained in its stored text (case-insensitive)',
  trace_id: 'the OpenTelemetry trace it names, or the trace of its interaction (32 hex)',
};

export const INTERACTION_PARAMETERS = {
  ...PAGE, from: 'time_end at or after (ISO 8601)', to: 'time_end before (ISO 8601)', end_user: 'the end user', ...ON_INTERACTION,
  conversation_id: 'the conversation', q: 'text contained in the stored input or output (case-insensitive)',
  trace_id: 'the OpenTelemetry trace it was made from (32 hex)',
  feedback: 'a slug it received (current state: thumbs_down means a current thumbs-down vote), any, or none',
  min_rating: 'the mean of its current ratings at least (1-5)', max_rating: 'the mean of its current ratings at most (1-5)',
  has_comment: 'true: some feedback carries a comment; false: none does',
};

/** The filters both lists and the statistics take on an interaction's own fields. */
export function interactionFilterOf(q: QueryParameters, range: { from: number | null; to: number | null }): InteractionFilter {
  return {
    ...range, endUser: q.string('end_user'), model: q.string('model'), featureFlag: q.string('feature_flag'), tags: q.tags('tag'),
    conversationId: q.string('conversation_id'), text: q.string('q'), traceId: traceIdOf(q),
  };
}

/** The filters of the feedback list (and of its export). */
export function feedbackFilterOf(q: QueryParameters): FeedbackFilter {
  const filter: FeedbackFilter = {
    ...q.range(null, Date.now()), endUser: q.string('end_user'), slugs: q.slugs('slug'),
    status: q.oneOf('status', ['linked', 'pending', 'orphaned'] as const), hasText: q.boolean('has_text'),
    value: q.number('value', 1, 5, true), minValue: q.number('min_value', 1, 5), maxValue: q.number('max_value', 1, 5),
    model: q.string('model'), featureFlag: q.string('feature_flag'), tags: q.tags('tag'), conversationId: q.string('conversation_id'),
    interactionId: q.string('interaction_id'), text: q.string('q'), traceId: traceIdOf(q),
  };
  if (filter.minValue !== null && filter.maxValue !== null && filter.minValue > filter.maxValue) q.fail('min_value', 'must not be above max_value');
  return filter;
}

function traceIdOf(q: QueryParameters): string | null {
  const t = q.string('trace_id');
  if (t !== null && !/^[0-9a-fA-F]{32}$/.test(t)) q.fail('trace_id', 'must be 32 hexadecimal digits');
  return t;
}

export function stateFilterOf(q: QueryParameters): FeedbackStateFilter {
  const feedback = q.oneOf('feedback', [...FEEDBACK_SLUGS, 'any', 'none'] as const);
  const state: FeedbackStateFilter = { feedback, minRating: q.number('min_rating', 1, 5), maxRating: q.number('max_rating', 1, 5), hasComment: q.boolean('has_comment') };
  if (state.minRating !== null && state.maxRating !== null && state.minRating > state.maxRating) q.fail('min_rating', 'must not be above max_rating');
  if (feedback === 'none' && (state.minRating !== null || state.maxRating !== null || state.hasComment === true)) {
    q.fail('feedback', 'none cannot be combined with min_rating, max_rating or has_comment=true (an interaction without feedback has neither)');
  }
  return state;
}

export function registerListRoutes(app: FastifyInstance, { storage, pendingTtlMs }: ListRoutesOptions): void {
  app.get('/api/v1/feedback', {
    schema: {
      summary: 'List feedback', description: 'Every feedback event (the history), newest first, with filters.',
      querystring: queryString(FEEDBACK_PARAMETERS, ['slug', 'tag']), response: { 200: pageOf(FeedbackView) },
    },
    attachValidation: true,
  }, async (request) => {
    const q = new QueryParameters(request.query, Object.keys(FEEDBACK_PARAMETERS));
    const order = q.order();
    const filter = feedbackFilterOf(q);
    const page = { after: q.cursor(order), limit: q.limit(), order };
    q.check();
    const now = Date.now();
    const result = await listFeedback(storage, projectOf(request), filter, page, now - pendingTtlMs);
    return { items: result.items.map((f) => feedbackView(f, now, pendingTtlMs)), next_cursor: result.next ? encodeCursor(result.next, order) : null };
  });

  app.get('/api/v1/interactions', {
    schema: {
      summary: 'List interactions',
      description: 'Interactions newest first (by time_end), each with its feedback and their current state; filter by the feedback they received. '
        + 'With a feedback filter a page may hold fewer items than limit when matches are sparse: follow next_cursor until it is null.',
      querystring: queryString(INTERACTION_PARAMETERS, ['tag']), response: { 200: pageOf(InteractionListItem) },
    },
    attachValidation: true,
  }, async (request) => {
    const q = new QueryParameters(request.query, Object.keys(INTERACTION_PARAMETERS));
    const order = q.order();
    const filter = interactionFilterOf(q, q.range(null, Date.now()));
    const state = stateFilterOf(q);
    const page = { after: q.cursor(order), limit: q.limit(), order };
    q.check();
    const now = Date.now();
    const result = await listInteractions(storage, projectOf(request), filter, state, page);
    return { items: result.items.map((i) => interactionListView(i, now, pendingTtlMs)), next_cursor: result.next ? encodeCursor(result.next, order) : null };
  });

  app.get('/api/v1/conversations/:id', {
    schema: {
      summary: 'One conversation', description: 'Its interactions in time order, each with its feedback.',
      querystring: queryString({ cursor: PAGE.cursor, limit: 'interactions per page, 1-1000 (default 1000)' }), response: { 200: ConversationView },
    },
    attachValidation: true,
  }, async (request) => {
    const { id } = request.params as { id: string };
    const q = new QueryParameters(request.query, ['cursor', 'limit']);
    const page = { after: q.cursor('oldest'), limit: q.limit(1000), order: 'oldest' as const };
    q.check();
    const project = projectOf(request);
    const result = await conversation(storage, project, id, page);
    if (result.items.length === 0 && page.after === null) throw new FeedloopError('not_found', `No conversation ${id} in this project`);
    const now = Date.now();
    const first = result.items[0]?.interaction;
    return {
      id, end_user: first?.endUser ?? null,
      time_start: first ? formatTimestamp(Math.min(...result.items.map((i) => i.interaction.timeStart))) : null,
      time_end: first ? formatTimestamp(Math.max(...result.items.map((i) => i.interaction.timeEnd))) : null,
      interactions: result.items.map((i) => interactionWithFeedbackView(i, now, pendingTtlMs)),
      next_cursor: result.next ? encodeCursor(result.next, 'oldest') : null,
    };
  });

  app.get('/api/v1/users/:end_user', {
    schema: {
      summary: 'One end user', description: 'First and last seen, counts, their latest feedback and conversations.',
      querystring: queryString({}), response: { 200: EndUserView },
    },
    attachValidation: true,
  }, async (request) => {
    const { end_user: id } = request.params as { end_user: string };
    new QueryParameters(request.query, []).check();
    const now = Date.now();
    const page = await endUser(storage, projectOf(request), id, now - pendingTtlMs);
    if (!page) throw new FeedloopError('not_found', `Nothing stored for end user ${id} in this project`);
    const { overview } = page;
    return {
      end_user: id, first_seen: formatTimestamp(overview.firstSeen), last_seen: formatTimestamp(overview.lastSeen),
      interactions: overview.interactions, feedback: overview.feedback, conversations: overview.conversations,
      recent_feedback: page.recentFeedback.items.map((f) => feedbackView(f, now, pendingTtlMs)),
      recent_conversations: page.recentConversations.map((c) => ({
        id: c.id, time_start: formatTimestamp(c.timeStart), time_end: formatTimestamp(c.timeEnd), interactions: c.interactions,
      })),
    };
  });
}
