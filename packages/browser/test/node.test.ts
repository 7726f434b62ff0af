// The library's unit cases (cases.ts) in Node: an in-memory localStorage, no Web Locks (so the
// lease fallback for adopting queues), no DOM. The same cases, and those needing a DOM, run in
// Chromium in browser.test.ts.
import { test } from 'node:test';
import { cases, type Lib } from './cases.js';
import { MemoryStorage } from './support/memory-storage.js';

(globalThis as { localStorage?: unknown }).localStorage = new MemoryStorage();
const lib = (await import(new URL('../../dist/feedloop.js', import.meta.url).href)) as Lib;

for (const c of cases.filter((c) => !c.dom)) test(`${c.name} (Node)`, () => c.run(lib));
