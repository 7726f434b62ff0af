// Fair, bounded scheduling of PII work. Each anonymize call is split into pieces of at most
// `chunkChars` characters (long texts into overlapping chunks, short texts packed together); an
// executor (a worker thread, or the event loop) takes one batch of pieces at a time, chosen round
// robin over clients (API keys or projects), then over each client's calls. So a client that
// sends megabytes delays another client's small write by about one chunk per worker, not by its
// whole backlog. Work admitted is bounded in total, per client and per call; beyond the bounds a
// call fails at once with pii_overloaded (503 + Retry-After) or pii_budget_exceeded (413).
import { FeedloopError } from '../core/errors.js';
import type { Span } from '../core/pii/types.js';

export interface SchedulerLimits {
  /** Largest piece handed to an executor, in characters (long texts are cut near line breaks). */
  chunkChars: number;
  /** Characters admitted and not yet done, over all clients. */
  queueLimitChars: number;
  /** Characters admitted and not yet done, per client. */
  clientBudgetChars: number;
  /** Characters in one anonymize call. */
  requestLimitChars: number;
}

export const DEFAULT_LIMITS: SchedulerLimits = {
  chunkChars: 16_384,
  queueLimitChars: 32 * 1024 * 1024,
  clientBudgetChars: 8 * 1024 * 1024,
  requestLimitChars: 4 * 1024 * 1024,
};

/** Characters of context on each side of a chunk, so PII cut by the boundary is still seen whole. */
const CONTEXT = 512;

/** One piece of work: the text an executor scans, and the range of the original text it owns. */
export interface Piece {
  policyKey: string;
  text: string;
}

interface PendingPiece {
  piece: Piece;
  call: Call;
  textIndex: number;
  /** Offset of `piece.text` in the original text. */
  offset: number;
  /** The original-text range whose spans this piece reports (spans starting outside belong to a neighbour). */
  ownFrom: number;
  ownTo: number;
}

interface Call {
  client: string;
  texts: string[];
  chars: number;
  spans: Span[][];
  piecesLeft: number;
  queue: PendingPiece[];
  failed: boolean;
  resolve(spans: Span[][]): void;
  reject(error: Error): void;
}

/** Runs a batch of pieces; resolves with the spans of each piece (offsets within the piece). */
export interface Executor {
  run(pieces: Piece[]): Promise<Span[][]>;
}

/** Cuts `text` into pieces of at most `chunk` owned characters, near line breaks or spaces. */
function cut(text: string, chunk: number): [number, number][] {
  if (text.length <= chunk) return [[0, text.length]];
  const ranges: [number, number][] = [];
  let from = 0;
  while (from < text.length) {
    let to = Math.min(text.length, from + chunk);
    if (to < text.length) {
      const floor = to - Math.min(2048, Math.floor(chunk / 4));
      const newline = text.lastIndexOf('\n', to);
      const space = text.lastIndexOf(' ', to);
      if (newline > floor) to = newline + 1;
      else if (space > floor) to = space + 1;
    }
    ranges.push([from, to]);
    from = to;
  }
  return ranges;
}

export class Scheduler {
  private readonly clients = new Map<string, Call[]>();
  /** Clients with queued pieces, in round-robin order. */
  private readonly ring: string[] = [];
  private readonly clientChars = new Map<string, number>();
  private queuedChars = 0;
  private calls = 0;
  private idle: Executor[];
  private closed = false;
  /** Characters per second the executors achieved recently (for Retry-After). */
  private rate = 2_000_000;

  constructor(executors: Executor[], private readonly limits: SchedulerLimits = DEFAULT_LIMITS) {
    this.idle = [...executors];
  }

  /** Characters admitted and not yet done (for metrics and tests). */
  get pendingChars(): number {
    return this.queuedChars;
  }

  /** Calls admitted and not yet done. */
  get pendingCalls(): number {
    return this.calls;
  }

  submit(texts: string[], policyKey: string, client: string): Promise<Span[][]> {
    if (this.closed) return Promise.reject(new Error('anonymizer is closed'));
    let chars = 0;
    for (const t of texts) chars += t.length;
    if (chars > this.limits.requestLimitChars) {
      return Promise.reject(
        new FeedloopError('pii_budget_exceeded', `The content to anonymize (${chars} characters) exceeds the limit of ${this.limits.requestLimitChars} per request`),
      );
    }
    const clientChars = this.clientChars.get(client) ?? 0;
    if (this.queuedChars + chars > this.limits.queueLimitChars || clientChars + chars > this.limits.clientBudgetChars) {
      const seconds = Math.max(1, Math.ceil((clientChars + chars) / this.rate));
      return Promise.reject(
        new FeedloopError('pii_overloaded', 'PII removal is busy; retry later', { headers: { 'retry-after': String(seconds) } }),
      );
    }
    return new Promise<Span[][]>((resolve, reject) => {
      const call: Call = { client, texts, chars, spans: texts.map(() => []), piecesLeft: 0, queue: [], failed: false, resolve, reject };
      for (const [textIndex, text] of texts.entries()) {
        if (text.length === 0) continue;
        for (const [ownFrom, ownTo] of cut(text, this.limits.chunkChars)) {
          const offset = Math.max(0, ownFrom - CONTEXT);
          const end = Math.min(text.length, ownTo + CONTEXT);
          const piece = { policyKey, text: offset === 0 && end === text.length ? text : text.slice(offset, end) };
          call.queue.push({ piece, call, textIndex, offset, ownFrom, ownTo });
        }
      }
      call.piecesLeft = call.queue.length;
      if (call.piecesLeft === 0) {
        resolve(call.spans);
        return;
      }
      this.queuedChars += chars;
      this.calls++;
      this.clientChars.set(client, clientChars + chars);
      const calls = this.clients.get(client);
      if (calls) calls.push(call);
      else {
        this.clients.set(client, [call]);
        this.ring.push(client);
      }
      this.dispatch();
    });
  }

  /** The next pieces, round robin over clients and their calls, up to one chunk of characters. */
  private nextBatch(): PendingPiece[] {
    const batch: PendingPiece[] = [];
    let chars = 0;
    while (this.ring.length > 0 && chars < this.limits.chunkChars) {
      const client = this.ring.shift()!;
      const calls = this.clients.get(client)!;
      const call = calls.shift()!;
      const piece = call.queue.shift()!;
      batch.push(piece);
      chars += piece.piece.text.length;
      if (call.queue.length > 0) calls.push(call);
      if (calls.length > 0) this.ring.push(client);
      else this.clients.delete(client);
    }
    return batch;
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.ring.length > 0) {
      const executor = this.idle.pop()!;
      const batch = this.nextBatch();
      const started = Date.now();
      const chars = batch.reduce((sum, p) => sum + p.piece.text.length, 0);
      executor.run(batch.map((p) => p.piece)).then(
        (results) => {
          const ms = Date.now() - started;
          if (ms > 0 && chars > 10_000) this.rate = 0.8 * this.rate + 0.2 * ((chars / ms) * 1000);
          batch.forEach((p, i) => this.done(p, results[i] ?? []));
          this.release(executor);
        },
        (error: unknown) => {
          for (const p of batch) this.fail(p.call, error instanceof Error ? error : new Error(String(error)));
          this.release(executor);
        },
      );
    }
  }

  private release(executor: Executor): void {
    this.idle.push(executor);
    this.dispatch();
  }

  private done(p: PendingPiece, spans: Span[]): void {
    const call = p.call;
    if (call.failed) return;
    const into = call.spans[p.textIndex]!;
    for (const s of spans) {
      const start = s.start + p.offset;
      if (start < p.ownFrom || start >= p.ownTo) continue;
      into.push({ start, end: s.end + p.offset, type: s.type });
    }
    if (--call.piecesLeft === 0) {
      this.settle(call);
      call.resolve(call.spans.map(mergeSpans));
    }
  }

  private fail(call: Call, error: Error): void {
    if (call.failed) return;
    call.failed = true;
    // Its remaining pieces are dropped from the queue.
    const calls = this.clients.get(call.client);
    if (calls) {
      const index = calls.indexOf(call);
      if (index >= 0) calls.splice(index, 1);
      if (calls.length === 0) {
        this.clients.delete(call.client);
        const at = this.ring.indexOf(call.client);
        if (at >= 0) this.ring.splice(at, 1);
      }
    }
    this.settle(call);
    call.reject(error);
  }

  private settle(call: Call): void {
    this.queuedChars -= call.chars;
    this.calls--;
    const left = (this.clientChars.get(call.client) ?? 0) - call.chars;
    if (left > 0) this.clientChars.set(call.client, left);
    else this.clientChars.delete(call.client);
  }

  close(): void {
    this.closed = true;
  }
}

/** Spans of one text from several pieces, in order, without overlaps (the earlier, then longer, wins). */
function mergeSpans(spans: Span[]): Span[] {
  if (spans.length <= 1) return spans;
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Span[] = [];
  let end = -1;
  for (const s of spans) {
    if (s.start < end) continue;
    out.push(s);
    end = s.end;
  }
  return out;
}
