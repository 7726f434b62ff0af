// Errors of the HTTP layer below Fastify's routing (Node's parser and timeouts): answered with a
// problem document too, never echoing what the client sent, and the connection is closed.
// Node reports them as 'clientError' on the server; Fastify hands them to this handler.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { FeedloopError, type ErrorCode } from '../core/errors.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';

/** A request line longer than this inside an overflowing head is reported as a long URI (414), not as large headers (431). */
const LONG_REQUEST_LINE = 8 * 1024;

function classify(error: NodeJS.ErrnoException & { rawPacket?: Buffer }): [ErrorCode, string] {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return ['request_timeout', 'The request was not received in time: its headers within FEEDLOOP_HEADERS_TIMEOUT, all of it within FEEDLOOP_REQUEST_TIMEOUT'];
    case 'HPE_HEADER_OVERFLOW': {
      const lineEnd = error.rawPacket?.indexOf('\r\n') ?? -1;
      if (lineEnd === -1 || lineEnd > LONG_REQUEST_LINE) return ['uri_too_long', 'The request line is longer than the server accepts'];
      return ['headers_too_large', 'The request headers are larger than the server accepts (16 KiB in all)'];
    }
    case 'HPE_URI_TOO_LONG':
      return ['uri_too_long', 'The request line is longer than the server accepts'];
    default:
      return ['bad_request', 'The request is not valid HTTP/1.1'];
  }
}

export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, detail] = classify(error);
  const body = JSON.stringify(toProblem(new FeedloopError(code, detail)));
  const status = new FeedloopError(code).status;
  // Only where no response has begun on this connection (as Node's own handler does).
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}
