// The project's own read API (minimal for now): one feedback, one interaction with its feedback.
import type { FastifyInstance } from 'fastify';
import { FeedloopError } from '../../core/errors.js';
import type { Storage } from '../../storage/port.js';
import { projectOf } from '../auth.js';
import { feedbackView, interactionView } from '../views.js';

export interface ReadRoutesOptions { storage: Storage; pendingTtlMs: number }

export function registerReadRoutes(app: FastifyInstance, { storage, pendingTtlMs }: ReadRoutesOptions): void {
  app.get('/api/v1/feedback/:id', async (request) => {
    const { id } = request.params as { id: string };
    const feedback = await storage.getFeedback(projectOf(request), id);
    if (!feedback) throw new FeedloopError('not_found', `No feedback ${id} in this project`);
    return feedbackView(feedback, Date.now(), pendingTtlMs);
  });

  app.get('/api/v1/interactions/:id', async (request) => {
    const { id } = request.params as { id: string };
    const project = projectOf(request);
    const interaction = await storage.getInteraction(project, id);
    if (!interaction) throw new FeedloopError('not_found', `No interaction ${id} in this project`);
    const feedback = await storage.listFeedbackForInteraction(project, id);
    return interactionView(interaction, feedback, Date.now(), pendingTtlMs);
  });
}
