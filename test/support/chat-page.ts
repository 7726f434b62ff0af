// The chat page of the end-to-end browser tests, served from an origin of its own (another port
// than feedloop's), as an app's front end would be. It loads the browser library from the feedloop
// server (/sdk/feedloop.js), shows one answer with thumbs and a rating, watches the answer for
// copies and the input for pastes, and exposes what the library reports as window.sent / errors.
// Its configuration comes in the query string (?c=<JSON>).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatConfig {
  endpoint: string;
  key: string;
  endUser: string;
  answer: string;
  interactionId?: string;
  token?: string;
  delay?: number;
  retryBase?: number;
}

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Chat</title></head>
<body>
  <div id="answer"><p></p></div>
  <textarea id="input" rows="3" cols="60"></textarea>
  <button id="up">Good answer</button> <button id="down">Bad answer</button> <button id="rate4">4 of 5</button>
  <script type="module">
    const config = JSON.parse(new URLSearchParams(location.search).get('c'));
    const { createFeedback } = await import(config.endpoint + '/sdk/feedloop.js');
    const fb = createFeedback({ endpoint: config.endpoint, key: config.key, endUser: config.endUser, token: config.token,
      delay: config.delay ?? 100, retryBase: config.retryBase ?? 100, retryMax: 1000 });
    window.fb = fb;
    window.sent = [];
    window.errors = [];
    window.queued = [];
    fb.on('sent', (event, result) => window.sent.push({ event, result }));
    fb.on('error', (error, event) => window.errors.push({ error, event }));
    const about = config.interactionId ? { interactionId: config.interactionId } : { output: config.answer };
    document.querySelector('#answer p').textContent = config.answer;
    fb.watchOutput(document.querySelector('#answer'), { output: config.answer });
    fb.watchInput(document.querySelector('#input'));
    document.querySelector('#up').onclick = () => window.queued.push(fb.thumbsUp({ output: config.answer }));
    document.querySelector('#down').onclick = () => window.queued.push(fb.thumbsDown(about, 'too short'));
    document.querySelector('#rate4').onclick = () => window.queued.push(fb.rate(about, 4));
    window.ready = true;
  </script>
</body></html>`;

export interface ChatSite { origin: string; url(config: ChatConfig): string; close(): Promise<void> }

export async function serveChatPage(): Promise<ChatSite> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (!request.url?.startsWith('/chat')) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (config) => `${origin}/chat?c=${encodeURIComponent(JSON.stringify(config))}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
