// A tiny HTTP server on 127.0.0.1 for test pages: fixed paths, in-memory bodies.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StaticServer { url: string; close(): Promise<void> }
export type Files = Record<string, { type: string; body: string | Buffer }>;

export async function serveFiles(files: Files): Promise<StaticServer> {
  const server: Server = createServer((request, response) => {
    const file = files[(request.url ?? '/').split('?')[0]!];
    if (!file) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
