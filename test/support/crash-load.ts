// A load generator in a process of its own, for the crash and shutdown tests: `node crash-load.js
// <base URL> <key> [id prefix]` sends feedback, interactions and conversations of 20 interactions (batches)
// from 12 concurrent loops, every record with a client-chosen id, and prints one line per
// acknowledged request as soon as its 200 arrives: `<kind> <id>`. It goes on until killed,
// counting refused requests and connection errors on stderr (the server is being killed).
const [base, key, prefix = 'w'] = process.argv.slice(2);

async function loop(worker: number): Promise<never> {
  const T0 = Date.parse('2024-05-06T12:00:00.000Z');
  for (let n = 0; ; n++) {
    const id = `${prefix}${worker}-${n}`;
    const at = T0 + worker * 1_000_000 + n * 1000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const kind = n % 3 === 0 ? 'feedback' : n % 3 === 1 ? 'interaction' : 'conversation';
    const [path, body] = kind === 'feedback'
      ? ['/event-ingestion/api/v1/events/feedback', { feedback: { slug: 'comment', text: `note ${id}` }, metadata: { end_user: `u${worker}`, timestamp: iso(at), event_id: id } }]
      : kind === 'interaction'
        ? ['/event-ingestion/api/v2/events/interactions', { interaction: { id, input: `q ${id}`, output: 'a'.repeat(3000), time_start: iso(at - 500), time_end: iso(at), end_user: `u${worker}`, messages: [{ role: 'user', content: `q ${id}` }] }, anonymize: false }]
        : ['/event-ingestion/api/v2/events/trace_conversation', { conversation: { conversation_id: id, end_user: `u${worker}`, interactions: Array.from({ length: 20 }, (_, k) => ({ input: `cq ${id} ${k}`, output: 'b'.repeat(1000), time_start: iso(at + k * 10), time_end: iso(at + k * 10 + 5) })) }, anonymize: false }];
    try {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await res.arrayBuffer();
      if (res.status === 200) process.stdout.write(`${kind} ${id}\n`);
      else process.stderr.write(`refused ${res.status}\n`);
    } catch {
      process.stderr.write('connection error\n');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

// `node --test dist/test/` also loads this file, without arguments: then there is nothing to do.
if (base !== undefined && key !== undefined) await Promise.all(Array.from({ length: 12 }, (_, w) => loop(w)));
