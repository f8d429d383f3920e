// The benchmark's reference point: the least a node:http server can do to answer one feed path
// with the bytes and headers feedwright sent for it. No router, no lookup, no parsing beyond a
// substring test. Usage: node dist/bench/baseline-server.js CAPTURE.json PORT HOST
// It prints "listening <port>" on stdout once it accepts connections.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

/** One representation as captured from feedwright. */
export interface CapturedVariant {
  headers200: Record<string, string | string[]>;
  headers304: Record<string, string | string[]>;
  /** The body, base64. */
  body: string;
}

/** What the benchmark hands the baseline: one path, its entity-tags and its three codings. */
export interface Capture {
  path: string;
  etags: string[];
  variants: { identity: CapturedVariant; gzip: CapturedVariant; br: CapturedVariant };
}

const [file, portText = '0', host = '127.0.0.1'] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: node dist/bench/baseline-server.js CAPTURE.json [PORT] [HOST]');
  process.exit(2);
}
const capture = JSON.parse(readFileSync(file, 'utf8')) as Capture;
const path = capture.path;
const etags = capture.etags;
const load = (v: CapturedVariant) => ({ headers200: v.headers200, headers304: v.headers304, body: Buffer.from(v.body, 'base64') });
const identity = load(capture.variants.identity);
const gzip = load(capture.variants.gzip);
const br = load(capture.variants.br);
const NOT_FOUND = { 'Content-Type': 'text/plain; charset=utf-8' };

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  if (req.url !== path) {
    res.writeHead(404, NOT_FOUND);
    res.end('Not Found\n');
    return;
  }
  const ae = req.headers['accept-encoding'] ?? '';
  const v = ae.includes('br') ? br : ae.includes('gzip') ? gzip : identity;
  const inm = req.headers['if-none-match'];
  if (inm !== undefined && etags.some((t) => inm.includes(t))) {
    res.writeHead(304, v.headers304);
    res.end();
    return;
  }
  res.writeHead(200, v.headers200);
  res.end(req.method === 'HEAD' ? undefined : v.body);
});
server.listen(Number(portText), host, () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
