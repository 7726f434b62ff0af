// Conversations for interactions that do not name one: per end user, a new conversation starts
// after a gap of inactivity. Storage supplies the neighbours in time; the choice is made here.
import type { InteractionSummary } from './model.js';

export interface ConversationNeighbours {
  /** The end user's auto-grouped interaction that started last at or before this one's start. */
  previous: InteractionSummary | null;
  /** The end user's auto-grouped interaction that starts first after this one's start. */
  next: InteractionSummary | null;
}

/** The conversation to join, or null when the interaction starts a new one. */
export function chooseConversation(timeStart: number, timeEnd: number, n: ConversationNeighbours, gapMs: number): string | null {
  if (n.previous && timeStart - Math.max(n.previous.timeEnd, n.previous.timeStart) <= gapMs) return n.previous.conversationId;
  if (n.next && n.next.timeStart - timeEnd <= gapMs) return n.next.conversationId;
  return null;
}
