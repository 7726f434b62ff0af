// DELETE /api/v1/users/{end_user} (secret key): erases one end user's data in one transaction and
// answers what it removed; asked again, it answers zeros (app/erasure.ts, docs/data.md).
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { eraseEndUser } from '../../app/erasure.js';
import type { Storage } from '../../storage/port.js';
import { projectOf } from '../auth.js';
import { DATA_TAG } from './export.js';

const ErasureResponse = Type.Object({
  interactions: Type.Integer({ description: 'interactions of this end user, deleted' }),
  feedback: Type.Integer({ description: 'feedback of this end user, deleted' }),
  tag_updates: Type.Integer({ description: 'tag updates of this end user, deleted' }),
  feedback_unlinked: Type.Integer({ description: "other end users' feedback about the deleted interactions, kept and now orphaned" }),
});

export function registerErasureRoute(app: FastifyInstance, storage: Storage): void {
  app.delete('/api/v1/users/:end_user', {
    schema: {
      summary: 'Erase an end user',
      description: 'Deletes every interaction, feedback and tag update of this end user, and their share of the statistics, in one '
        + 'transaction; afterwards no list, export, statistic or page of the database file holds their text (docs/data.md).',
      tags: [DATA_TAG], params: Type.Object({ end_user: Type.String() }), response: { 200: ErasureResponse },
    },
  }, async (request) => {
    const { end_user: endUser } = request.params as { end_user: string };
    return eraseEndUser(storage, projectOf(request), endUser);
  });
}
