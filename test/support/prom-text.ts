// Test support: a strict parser of the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format). Every line
// must be a `# HELP`, a `# TYPE`, another comment, blank, or a sample matching the grammar;
// anything else throws, naming the line. It also checks what the format requires of families:
// a TYPE at most once and before the family's samples, a family's lines together, no sample
// twice, and histograms' buckets cumulative with `+Inf` equal to `_count`.

/** One sample line. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A metric family: its TYPE, HELP and samples. */
export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string | undefined;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
// Go's strconv.ParseFloat, which the format names: decimals, and NaN, Inf, Infinity in any case.
const VALUE = '(?:[+-]?(?:\\d+\\.?\\d*(?:[eE][+-]?\\d+)?|\\.\\d+(?:[eE][+-]?\\d+)?)|[+-]?[Ii][Nn][Ff](?:[Ii][Nn][Ii][Tt][Yy])?|[Nn][Aa][Nn])';
const LABEL_PAIR = `${LABEL}="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL_PAIR}(?:,${LABEL_PAIR})*,?)?)\\})? (${VALUE})(?: (-?\\d+))?$`);
const PAIR = new RegExp(`(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`, 'g');
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

function unescape(value: string): string {
  return value.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

function number(text: string): number {
  const lower = text.toLowerCase();
  if (/inf/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  return lower === 'nan' ? Number.NaN : Number(text);
}

/** The family a sample name belongs to, given the TYPEs declared (histogram/summary suffixes). */
function familyOf(name: string, types: Map<string, Family['type']>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const t = types.get(base);
    if (t === 'histogram' || (t === 'summary' && suffix !== '_bucket')) return base;
  }
  return name;
}

/** Parses an exposition; throws an Error naming the first line (1-based) that breaks the format. */
export function parsePromText(text: string): Map<string, Family> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, Family>();
  const types = new Map<string, Family['type']>();
  const finished = new Set<string>();
  const seen = new Set<string>();
  let current: string | undefined;
  const enter = (name: string, n: number) => {
    if (current === name) return;
    if (finished.has(name)) throw new Error(`line ${n}: the lines of ${name} are not together`);
    if (current !== undefined) finished.add(current);
    current = name;
  };
  const family = (name: string): Family => {
    let f = families.get(name);
    if (f === undefined) families.set(name, (f = { name, type: types.get(name) ?? 'untyped', help: undefined, samples: [] }));
    return f;
  };
  text.split('\n').slice(0, -1).forEach((line, i) => {
    const n = i + 1;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const help = HELP.exec(line);
      const type = TYPE.exec(line);
      if (help) {
        const name = help[1] as string;
        enter(name, n);
        const f = family(name);
        if (f.help !== undefined) throw new Error(`line ${n}: a second HELP for ${name}`);
        if (!/^(?:[^\\]|\\[\\n])*$/.test(help[2] as string)) throw new Error(`line ${n}: a HELP text escapes something other than \\\\ or \\n`);
        f.help = help[2] as string;
      } else if (type) {
        const name = type[1] as string;
        enter(name, n);
        if (types.has(name)) throw new Error(`line ${n}: a second TYPE for ${name}`);
        if (family(name).samples.length > 0) throw new Error(`line ${n}: the TYPE of ${name} follows its samples`);
        types.set(name, type[2] as Family['type']);
        family(name).type = type[2] as Family['type'];
      } else if (/^# (HELP|TYPE)\b/.test(line)) {
        throw new Error(`line ${n}: a malformed ${line.slice(2, 6)} line: ${line}`);
      }
      return;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`line ${n}: not a sample line: ${line}`);
    const name = m[1] as string;
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(PAIR)) {
      const key = pair[1] as string;
      if (key in labels) throw new Error(`line ${n}: the label ${key} twice`);
      labels[key] = unescape(pair[2] as string);
    }
    const base = familyOf(name, types);
    enter(base, n);
    const identity = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(identity)) throw new Error(`line ${n}: the sample ${identity} twice`);
    seen.add(identity);
    family(base).samples.push({ name, labels, value: number(m[3] as string) });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

/** Buckets cumulative (non-decreasing by `le`), `+Inf` present and equal to `_count`, per label set. */
function checkHistogram(f: Family): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${f.name}: a bucket without le`);
      entry.buckets.push([number(le), s.value]);
    } else if (s.name === `${f.name}_count`) entry.count = s.value;
  }
  for (const [key, { buckets, count }] of series) {
    buckets.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < buckets.length; i += 1) if ((buckets[i] as [number, number])[1] < (buckets[i - 1] as [number, number])[1]) throw new Error(`${f.name}${key}: buckets are not cumulative`);
    const inf = buckets.at(-1);
    if (inf === undefined || inf[0] !== Infinity) throw new Error(`${f.name}${key}: no +Inf bucket`);
    if (count !== inf[1]) throw new Error(`${f.name}${key}: _count ${count} differs from the +Inf bucket ${inf[1]}`);
  }
}

/** The value of the sample `name` whose labels include `labels`; 0 when there is none. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  for (const f of families.values()) {
    for (const s of f.samples) if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
  }
  return 0;
}
