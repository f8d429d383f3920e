// What each response coding costs, over every document of a compile: the bytes a response carries
// in identity, gzip and brotli (the body files the compile wrote), and the CPU seconds gzip and
// brotli take to produce them, timed here by compressing every identity body again with the
// functions src/compile/compression.ts serves with (gzipBody, brotliBody). Each result is
// compared with the body file the compile wrote, so the figure is of what is served.
// Usage: node dist/bench/coding-costs.js DOCUMENTS_DIR — prints one JSON line (CodingCosts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliBody, gzipBody } from '../src/compile/compression.js';

/** The figures, bytes and CPU seconds summed over every document. */
export interface CodingCosts {
  documents: number;
  bytes: { identity: number; gzip: number; br: number };
  /** Mean bytes of one response (one document) per coding. */
  meanBytes: { identity: number; gzip: number; br: number };
  /** CPU seconds (user + system) to compress every identity body once. */
  cpuSeconds: { gzip: number; br: number };
  /** Documents whose brotli body existed when measured (it is made in the background after a publish). */
  brDocuments: number;
  /** Documents whose re-compressed bytes equal the body file the compile wrote (missing br files count as not equal). */
  sameAsServed: { gzip: number; br: number };
}

/** Measures every identity body in `dir` (files named H, with H-gz and H-br beside them). */
export function codingCosts(dir: string): CodingCosts {
  const names = new Set(readdirSync(dir));
  const out: CodingCosts = { documents: 0, brDocuments: 0, bytes: { identity: 0, gzip: 0, br: 0 }, meanBytes: { identity: 0, gzip: 0, br: 0 }, cpuSeconds: { gzip: 0, br: 0 }, sameAsServed: { gzip: 0, br: 0 } };
  const cpu = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
  for (const name of [...names].sort()) {
    if (!names.has(`${name}-gz`)) continue;
    const identity = readFileSync(join(dir, name));
    const servedGzip = readFileSync(join(dir, `${name}-gz`));
    const servedBr = names.has(`${name}-br`) ? readFileSync(join(dir, `${name}-br`)) : undefined;
    out.documents += 1;
    out.bytes.identity += identity.length;
    out.bytes.gzip += servedGzip.length;
    out.bytes.br += servedBr?.length ?? 0;
    if (servedBr !== undefined) out.brDocuments += 1;
    let c = process.cpuUsage();
    const gz = gzipBody(identity);
    out.cpuSeconds.gzip += cpu(process.cpuUsage(c));
    c = process.cpuUsage();
    const br = brotliBody(identity);
    out.cpuSeconds.br += cpu(process.cpuUsage(c));
    if (gz.equals(servedGzip)) out.sameAsServed.gzip += 1;
    if (servedBr !== undefined && br.equals(servedBr)) out.sameAsServed.br += 1;
  }
  const n = Math.max(1, out.documents);
  out.meanBytes = { identity: Math.round(out.bytes.identity / n), gzip: Math.round(out.bytes.gzip / n), br: Math.round(out.bytes.br / Math.max(1, out.brDocuments)) };
  out.cpuSeconds = { gzip: Math.round(out.cpuSeconds.gzip * 100) / 100, br: Math.round(out.cpuSeconds.br * 100) / 100 };
  return out;
}

const dir = process.argv[2];
if (dir !== undefined && process.argv[1]?.endsWith('coding-costs.js')) process.stdout.write(`${JSON.stringify(codingCosts(dir))}\n`);
