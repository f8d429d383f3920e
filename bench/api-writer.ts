// The API client of the "serving under writes" figures: writes an article through the real HTTP
// ingest API (PUT /api/articles/{id}, bearer token) on a fixed schedule, removes every fifth one
// again (DELETE), and counts answers. Every accepted write makes the server compile.
import { get, round, sleep } from './plumbing.js';

/** A running writer; `stop()` resolves with what it did. */
export interface ApiWriter {
  stop(): Promise<{ writes: number; deletes: number; errors: number; statuses: Record<string, number>; writeP50Ms: number; writeMaxMs: number }>;
}

/**
 * Starts writing every `everyMs` (a write that takes longer delays the next, never doubles up):
 * a new article in section News with tag Soak and a short body, published now, id
 * `${prefix}-${n}`. A status other than 200/201 (PUT) or 204 (DELETE), or no answer within 10 s, is an error.
 */
export function startApiWriter(port: number, token: string, prefix: string, everyMs = 250): ApiWriter {
  let running = true;
  let writes = 0;
  let deletes = 0;
  let errors = 0;
  const statuses: Record<string, number> = {};
  const took: number[] = [];
  const auth = { authorization: `Bearer ${token}` };
  const loop = (async () => {
    let next = performance.now();
    while (running) {
      const n = writes;
      const body = JSON.stringify({ path: `/${prefix}/${n}`, title: `${prefix} article ${n}`, body: `<p>Written while readers poll, number ${n}.</p>`, published: new Date().toISOString(), section: ['News'], tags: ['Soak'] });
      const t = performance.now();
      const r = await get(port, `/api/articles/${prefix}-${n}`, { ...auth, 'content-type': 'application/json' }, 10_000, 'PUT', body).catch(() => ({ status: 0 }));
      took.push(performance.now() - t);
      statuses[`PUT ${r.status}`] = (statuses[`PUT ${r.status}`] ?? 0) + 1;
      if (r.status !== 200 && r.status !== 201) errors += 1;
      writes += 1;
      if (writes % 5 === 0) {
        const d = await get(port, `/api/articles/${prefix}-${writes - 3}`, auth, 10_000, 'DELETE').catch(() => ({ status: 0 }));
        statuses[`DELETE ${d.status}`] = (statuses[`DELETE ${d.status}`] ?? 0) + 1;
        if (d.status !== 204) errors += 1;
        deletes += 1;
      }
      next = Math.max(next + everyMs, performance.now());
      await sleep(Math.max(0, next - performance.now()));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const s = [...took].sort((a, b) => a - b);
      return { writes, deletes, errors, statuses, writeP50Ms: round(s[s.length >> 1] ?? Number.NaN, 1), writeMaxMs: round(s[s.length - 1] ?? Number.NaN, 1) };
    },
  };
}
