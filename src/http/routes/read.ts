// The read API's single records: one feedback, one interaction with its feedback (lists: lists.ts).
import type { FastifyInstance } from 'fastify';
import { FeedloopError } from '../../core/errors.js';
import type { Storage } from '../../storage/port.js';
import { projectOf } from '../auth.js';
import { feedbackEvent, summarize } from '../../core/feedback-summary.js';
import { FeedbackView, InteractionView } from '../schemas/read-api.js';
import { feedbackView, interactionWithFeedbackView } from '../views.js';

export interface ReadRoutesOptions { storage: Storage; pendingTtlMs: number }

export function registerReadRoutes(app: FastifyInstance, { storage, pendingTtlMs }: ReadRoutesOptions): void {
  app.get('/api/v1/feedback/:id', { schema: { summary: 'One feedback', response: { 200: FeedbackView } } }, async (request) => {
    const { id } = request.params as { id: string };
    const feedback = await storage.getFeedback(projectOf(request), id);
    if (!feedback) throw new FeedloopError('not_found', `No feedback ${id} in this project`);
    return feedbackView(feedback, Date.now(), pendingTtlMs);
  });

  app.get('/api/v1/interactions/:id', {
    schema: { summary: 'One interaction', description: 'Everything stored about it, with its feedback (oldest first) and their current state.', response: { 200: InteractionView } },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const project = projectOf(request);
    const interaction = await storage.getInteraction(project, id);
    if (!interaction) throw new FeedloopError('not_found', `No interaction ${id} in this project`);
    const feedback = await storage.listFeedbackForInteraction(project, id);
    const linked = feedback.filter((f) => f.status === 'linked');
    return interactionWithFeedbackView({ interaction, feedback, summary: summarize(linked.map(feedbackEvent)) }, Date.now(), pendingTtlMs);
  });
}
