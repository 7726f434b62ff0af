// Security headers, set in one onSend hook for every response of every route (so pages added
// later, the dashboard and /docs among them, get them without asking). Every response says
// nosniff; an HTML response also gets a Content-Security-Policy that allows scripts and styles
// from this server only (no inline scripts, no eval), forbids framing, and a referrer policy.
// A route may set its own Content-Security-Policy (a stricter one, say); the hook keeps it.
// The headers are constant strings: the JSON hot path pays one header, nothing is computed.
import type { FastifyInstance } from 'fastify';

export const HTML_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const HTML_HEADERS: Record<string, string> = {
  'content-security-policy': HTML_CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff');
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && /^\s*text\/html/i.test(type)) {
      for (const [name, value] of Object.entries(HTML_HEADERS)) if (!reply.hasHeader(name)) reply.header(name, value);
    }
    done(null, payload);
  });
}
