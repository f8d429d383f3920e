// A deterministic synthetic newsroom archive for the benchmark: N article files of the design §3
// shape (3–5 KB HTML bodies, sections up to three levels, Zipf-popular tags, authors, images,
// dates over ten years) and a site.json, all drawn from one seeded PRNG (mulberry32), no clock.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A seeded PRNG (mulberry32): the same seed gives the same sequence on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)] as T;

/** Draws ranks 0..n-1 with probability ∝ 1/(rank+1)^s (inverse CDF over a precomputed table). */
function zipf(n: number, s: number): (rng: Rng) => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i += 1) {
    sum += 1 / (i + 1) ** s;
    cdf[i] = sum;
  }
  return (rng) => {
    const x = rng() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function shuffle<T>(rng: Rng, list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rng() * (i + 1));
    [list[i], list[j]] = [list[j] as T, list[i] as T];
  }
  return list;
}

const slug = (s: string) => s.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

// ---- vocabularies ---------------------------------------------------------------------------

const TOP_SECTIONS = ['News', 'World', 'Middle East', 'Iran', 'Economy', 'Politics', 'Sports', 'Culture', 'Science', 'Opinion', 'Asia-Pacific', 'Africa', 'Americas', 'Europe', 'Health'];
const PLACES = [
  'Russia', 'Syria', 'Lebanon', 'Iraq', 'Yemen', 'Palestine', 'Turkey', 'Egypt', 'Saudi Arabia', 'Qatar', 'Bahrain', 'Jordan',
  'Afghanistan', 'Pakistan', 'India', 'China', 'Japan', 'Korea', 'Indonesia', 'Malaysia', 'Nigeria', 'Kenya', 'Ethiopia', 'Sudan',
  'Libya', 'Tunisia', 'Algeria', 'Morocco', 'Brazil', 'Venezuela', 'Cuba', 'Mexico', 'Argentina', 'Germany', 'France', 'Britain',
  'Italy', 'Spain', 'Poland', 'Ukraine', 'Greece', 'Sweden', 'US', 'Canada', 'Australia', 'Tehran', 'Isfahan', 'Mashhad', 'Tabriz', 'Shiraz',
];
const TOPICS = [
  'Energy', 'Oil & Gas', 'Trade', 'Markets', 'Elections', 'Diplomacy', 'Security', 'Human Rights', 'Refugees', 'Health', 'Education',
  'Technology', 'Space', 'Climate', 'Environment', 'Football', 'Wrestling', 'Volleyball', 'Cinema', 'Music', 'Books', 'Heritage',
  'Agriculture', 'Water', 'Transport', 'Housing', 'Banking', 'Sanctions', 'Nuclear', 'Defense', 'Courts', 'Parliament', 'Protests',
  'Religion', 'Tourism', 'Labour', 'Media', 'Science', 'Medicine', 'Cyber',
];
const TAG_WORDS = [
  'Aleppo', 'Mosul', 'Gaza', 'Beirut', 'Damascus', 'Baghdad', 'Sanaa', 'Kabul', 'Moscow', 'Beijing', 'Brussels', 'Geneva', 'Vienna',
  'Istanbul', 'Riyadh', 'Doha', 'Cairo', 'Tripoli', 'Khartoum', 'Caracas', 'Havana', 'Washington', 'London', 'Paris', 'Berlin',
  'United Nations', 'OPEC', 'NATO', 'European Union', 'African Union', 'BRICS', 'Shanghai Cooperation Organisation', 'IAEA', 'WHO',
  'Red Crescent', 'Hezbollah', 'Ansarullah', 'Hamas', 'ISIS', 'Taliban', 'Kurds', 'Al-Aqsa', 'Strait of Hormuz', 'Persian Gulf',
  'Caspian Sea', 'Red Sea', 'Mediterranean', 'Humanitarian aid', 'Ceasefire', 'Peace talks', 'JCPOA', 'Oil exports', 'Gas pipeline',
  'Inflation', 'Currency', 'Stock market', 'Unemployment', 'Budget', 'Tariffs', 'Drought', 'Earthquake', 'Floods', 'Wildfires',
  'Pandemic', 'Vaccines', 'COVID-19', 'Olympics', 'World Cup', 'Asian Cup', 'Fajr Film Festival', 'Nowruz', 'Ramadan', 'Muharram',
  'Arbaeen', 'Hajj', 'Quds Day', 'Satellite launch', 'Drones', 'Missiles', 'Navy', 'Elections 2016', 'Elections 2020', 'Elections 2024',
  'Café culture', 'Crème de la crème', 'São Paulo', 'Zürich', 'Malmö', 'Kraków', 'Düsseldorf', 'Niño',
];
const TAG_QUALIFIERS = ['economy', 'elections', 'protests', 'diplomacy', 'energy', 'security', 'sanctions', 'culture', 'sports', 'health', 'refugees', 'trade'];
const FIRST = ['Ali', 'Hassan', 'Maryam', 'Sara', 'Reza', 'Fatemeh', 'John', 'Emma', 'Omar', 'Layla', 'Dmitri', 'Olga', 'Chen', 'Mei', 'Kwame', 'Amina', 'Carlos', 'Lucía', 'Hans', 'Ingrid', 'Yusuf', 'Zeynep', 'Arjun', 'Priya', 'Pierre', 'Amélie', 'Nikos', 'Eleni', 'Tomás', 'Ana'];
const LAST = ['Hosseini', 'Rahimi', 'Karimi', 'Ahmadi', 'Moradi', 'Smith', 'Jones', 'Haddad', 'Nasser', 'Ivanov', 'Petrova', 'Wang', 'Li', 'Mensah', 'Okafor', 'García', 'López', 'Müller', 'Schmidt', 'Yılmaz', 'Demir', 'Sharma', 'Patel', 'Dubois', 'Lefèvre', 'Papadopoulos', 'Silva', 'Costa', "O'Brien", 'Nakamura'];
const CREDITS = ['AFP', 'Reuters', 'AP', 'Press TV', 'Getty Images', 'EPA', 'IRNA', 'Anadolu', 'Tasnim', 'Xinhua'];
const WORDS = (
  'government officials said the ministry announced on monday tuesday wednesday thursday friday saturday sunday that talks would continue ' +
  'despite mounting pressure from regional powers and international organisations amid growing concern over the humanitarian situation ' +
  'president prime minister spokesman foreign minister delegation summit agreement negotiations economy inflation currency exports imports ' +
  'oil gas pipeline refinery production barrels per day market prices rose fell sharply percent compared with last year according to figures ' +
  'released by the central bank statistics centre analysts warned that sanctions could weigh on growth while others expected a recovery ' +
  'residents told reporters the city was calm after days of unrest security forces deployed across the capital protesters gathered outside ' +
  'parliament lawmakers approved the bill in a vote late on the court ruled an appeal the verdict drew criticism rights groups called for ' +
  'an independent investigation into the incident witnesses described scenes of chaos as emergency services rushed to the area hospitals ' +
  'treated dozens of people the death toll is expected to rise rescue teams continued to search through the rubble of collapsed buildings ' +
  'the team won its opening match of the tournament scoring twice in the second half coach praised the players performance fans celebrated ' +
  'the festival opened with a screening of films from more than forty countries the director’s latest work received a standing ovation ' +
  'scientists launched a new satellite into orbit researchers published findings showing a link between water shortages and crop yields ' +
  'farmers in the province have struggled with drought for years authorities pledged new funds to modernise irrigation and protect wetlands ' +
  'the agreement signed in the presence of both leaders covers cooperation in energy transport banking and tourism over the next decade ' +
  'critics say the measures fall short of what is needed supporters argue they mark an important first step toward lasting reform ' +
  'in a statement issued on its website the office said the visit would strengthen bilateral ties and open new opportunities for trade'
).split(' ');

// ---- the archive model --------------------------------------------------------------------

/** The pools an archive is drawn from; the same for a seed whatever the article count. */
export interface Pools {
  sections: string[][];
  tags: string[];
  authors: { name: string; email?: string; url?: string }[];
}

/** Builds the section tree (~300 nodes, up to 3 levels), ~700 tags and ~200 bylines. */
export function buildPools(seed: number): Pools {
  const rng = mulberry32(seed ^ 0x5eed);
  const sections: string[][] = [];
  for (const top of TOP_SECTIONS) {
    sections.push([top]);
    const seconds = shuffle(rng, [...PLACES, ...TOPICS]).slice(0, int(rng, 3, 6));
    for (const second of seconds) {
      sections.push([top, second]);
      const thirds = shuffle(rng, [...TOPICS, ...PLACES].filter((x) => x !== second)).slice(0, int(rng, 2, 4));
      for (const third of thirds) sections.push([top, second, third]);
    }
  }
  const tagSet = new Map<string, string>();
  const addTag = (t: string) => {
    const k = slug(t);
    if (k !== '' && !tagSet.has(k)) tagSet.set(k, t);
  };
  for (const t of [...PLACES, ...TOPICS, ...TAG_WORDS]) addTag(t);
  const bases = [...PLACES, ...TAG_WORDS.slice(0, 40)];
  while (tagSet.size < 700) addTag(`${pick(rng, bases)} ${pick(rng, TAG_QUALIFIERS)}`);
  const tags = shuffle(rng, [...tagSet.values()]);
  const authors: Pools['authors'] = [];
  const names = new Set<string>();
  while (authors.length < 200) {
    const first = pick(rng, FIRST);
    const last = pick(rng, LAST);
    const name = `${first} ${last}`;
    if (names.has(name)) continue;
    names.add(name);
    const person: Pools['authors'][number] = { name };
    if (rng() < 0.4) person.email = `${slug(first)}.${slug(last)}@presstv.com`;
    if (rng() < 0.1) person.url = `https://www.presstv.com/Authors/${slug(name)}`;
    authors.push(person);
  }
  return { sections: shuffle(rng, sections), tags, authors };
}

function sentence(rng: Rng, min: number, max: number): string {
  const n = int(rng, min, max);
  const words: string[] = [];
  for (let i = 0; i < n; i += 1) words.push(pick(rng, WORDS));
  const s = words.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function titleCase(rng: Rng): string {
  const place = pick(rng, PLACES);
  const s = sentence(rng, 5, 10);
  return rng() < 0.5 ? `${place}: ${s}` : `${s} in ${place}`;
}

const pad2 = (n: number) => String(n).padStart(2, '0');
const tehranParts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tehran', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** The wall-clock time `ms` in UTC shifted by `offsetMinutes`, as `YYYY-MM-DDTHH:MM:SS`. */
function wallTime(ms: number, offsetMinutes: number): string {
  const d = new Date(ms + offsetMinutes * 60_000);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

/** The local time in Asia/Tehran (the site's zone) without an offset: read back in that zone. */
function tehranLocal(ms: number): string {
  const p: Record<string, string> = {};
  for (const part of tehranParts.formatToParts(new Date(ms))) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

/** A ten-year window ending 2025-01-01: publication times are spread over it. */
const START_MS = Date.UTC(2015, 0, 1);
const END_MS = Date.UTC(2025, 0, 1);

/** What the benchmark needs to know about each article without reading it back. */
export interface IndexEntry {
  id: string;
  file: string;
  /** The instant it was published (epoch ms). */
  published: number;
  section: string[];
  tags: string[];
}

/** Makes article number `i` (0-based); deterministic in (seed, i). */
export function makeArticle(seed: number, i: number, pools: Pools): { raw: Record<string, unknown>; entry: IndexEntry } {
  const rng = mulberry32((seed * 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b));
  const section = pools.sections[zipfOf(pools.sections.length, 0.9)(rng)] as string[];
  const tagZipf = zipfOf(pools.tags.length, 1.0);
  const tagCount = int(rng, 1, 4);
  const tags: string[] = [];
  while (tags.length < tagCount) {
    const t = pools.tags[tagZipf(rng)] as string;
    if (!tags.includes(t)) tags.push(t);
  }
  const published = START_MS + Math.floor((rng() * (END_MS - START_MS)) / 1000) * 1000;
  const d = new Date(published);
  const id = `a${String(i).padStart(7, '0')}`;
  const title = titleCase(rng);
  const path = `/Detail/${d.getUTCFullYear()}/${pad2(d.getUTCMonth() + 1)}/${pad2(d.getUTCDate())}/${100000 + i}/${slug(title).split('-').slice(0, 8).join('-')}`;

  const imageCount = int(rng, 1, 3);
  const images: Record<string, unknown>[] = [];
  for (let k = 0; k < imageCount; k += 1) {
    const rel = `/Photo/${d.getUTCFullYear()}/${pad2(d.getUTCMonth() + 1)}/${pad2(d.getUTCDate())}/${id}-${k + 1}.jpg`;
    const img: Record<string, unknown> = { url: rng() < 0.5 ? rel : `https://cdn.presstv.com${rel}` };
    if (rng() < 0.9) img.caption = `${sentence(rng, 10, 22)}.`;
    if (rng() < 0.8) img.credit = pick(rng, CREDITS);
    img.type = 'image/jpeg';
    if (rng() < 0.7) {
      img.width = 1024;
      img.height = 576;
    }
    images.push(img);
  }

  // The body: paragraphs up to a 3–5 KB target, a figure after the first, a sub-heading after the second.
  const target = int(rng, 3000, 5000);
  const parts: string[] = [];
  let size = 0;
  let n = 0;
  while (size < target) {
    let p = `<p>${sentence(rng, 14, 28)}. ${sentence(rng, 10, 24)}.`;
    if (rng() < 0.35) p += ` <a href="/Detail/${int(rng, 2015, 2024)}/${pad2(int(rng, 1, 12))}/${pad2(int(rng, 1, 28))}/${int(rng, 100000, 199999)}/related-story">${sentence(rng, 2, 5).toLowerCase()}</a>`;
    if (rng() < 0.1) p += ` (<a href="https://www.un.org/en/press/">UN</a>)`;
    if (rng() < 0.2) p += ` “${sentence(rng, 6, 14)},” one official said.`;
    p += ` ${sentence(rng, 10, 22)}.</p>`;
    parts.push(p);
    size += p.length;
    n += 1;
    if (n === 1) {
      const fig = images[images.length > 1 ? 1 : 0] as Record<string, unknown>;
      const f = `<figure><img src="${String(fig.url)}" alt=""><figcaption>${String(fig.caption ?? 'A file photo')} (${String(fig.credit ?? 'Press TV')})</figcaption></figure>`;
      parts.push(f);
      size += f.length;
    }
    if (n === 2) {
      const h = `<h2>${sentence(rng, 3, 7)}</h2>`;
      parts.push(h);
      size += h.length;
    }
  }

  const raw: Record<string, unknown> = { id, path, title };
  raw.section = section;
  raw.tags = tags;
  const style = rng();
  raw.published = style < 0.6 ? `${wallTime(published, 0)}Z` : style < 0.85 ? `${wallTime(published, 210)}+03:30` : tehranLocal(published);
  if (rng() < 0.25) raw.updated = `${wallTime(published + int(rng, 600, 3 * 86400) * 1000, 0)}Z`;
  const authorCount = rng() < 0.3 ? 0 : rng() < 0.85 ? 1 : 2;
  if (authorCount > 0) {
    const a = new Set<number>();
    while (a.size < authorCount) a.add(int(rng, 0, pools.authors.length - 1));
    raw.authors = [...a].map((k) => pools.authors[k]);
  }
  if (rng() < 0.3) raw.summary = `${sentence(rng, 15, 30)}.`;
  raw.images = images;
  raw.body = parts.join('\n');
  return { raw, entry: { id, file: `${id}.json`, published, section, tags } };
}

const zipfCache = new Map<string, (rng: Rng) => number>();
/** A cached Zipf sampler over n ranks with exponent s. */
function zipfOf(n: number, s: number): (rng: Rng) => number {
  const key = `${n}:${s}`;
  let f = zipfCache.get(key);
  if (f === undefined) zipfCache.set(key, (f = zipf(n, s)));
  return f;
}

/**
 * The site.json of the synthetic site: data/site.json's shape, with 1 or 3 origins. A `revision`
 * above 0 changes the description (so every document changes: what a settings change does).
 */
export function siteConfig(origins: 1 | 3, revision = 0): Record<string, unknown> {
  return {
    title: 'Press TV',
    description: revision === 0 ? 'Latest news from Press TV' : `Latest news from Press TV (settings revision ${revision})`,
    language: 'en',
    timeZone: 'Asia/Tehran',
    origin: 'https://www.presstv.com',
    alternateOrigins: origins === 1 ? [] : ['https://www.presstv.ir', 'http://presstvxa7qcqlzjh4zd4jfaqqdrjb5bpq7sxnjhnyzs2qmrgwkwyx3yd.onion'],
    behindProxy: false,
    itemLimit: 50,
    schedule: '* * * * *',
    author: { name: 'Press TV', url: 'https://www.presstv.com' },
    idPrefix: 'tag:presstv.com,2007:',
    mirrorNotice: 'Press TV’s website can also be accessed at the following alternate addresses:',
  };
}

/** Writes site.json into `dir` (see siteConfig). */
export async function writeSiteConfig(dir: string, origins: 1 | 3, revision = 0): Promise<void> {
  await writeFile(join(dir, 'site.json'), `${JSON.stringify(siteConfig(origins, revision), null, 2)}\n`);
}

/** What was generated. */
export interface GeneratedArchive {
  dir: string;
  articles: number;
  bytes: number;
  /** One entry per article, in id order (also written to `<dir>/bench-index.json`). */
  index: IndexEntry[];
  pools: Pools;
}

/** Generates `count` articles into `<dir>/articles/` plus `<dir>/site.json`, writing in batches. */
export async function generateArchive(options: { dir: string; articles: number; origins?: 1 | 3; seed?: number; onProgress?: (done: number) => void }): Promise<GeneratedArchive> {
  const seed = options.seed ?? 20160708;
  const pools = buildPools(seed);
  const articlesDir = join(options.dir, 'articles');
  await mkdir(articlesDir, { recursive: true });
  await writeSiteConfig(options.dir, options.origins ?? 1);
  const index: IndexEntry[] = [];
  let bytes = 0;
  const BATCH = 256;
  for (let start = 0; start < options.articles; start += BATCH) {
    const writes: Promise<void>[] = [];
    for (let i = start; i < Math.min(options.articles, start + BATCH); i += 1) {
      const { raw, entry } = makeArticle(seed, i, pools);
      const text = JSON.stringify(raw, null, 1);
      bytes += Buffer.byteLength(text);
      index.push(entry);
      writes.push(writeFile(join(articlesDir, entry.file), text));
    }
    await Promise.all(writes);
    if (options.onProgress && (start / BATCH) % 40 === 0) options.onProgress(Math.min(options.articles, start + BATCH));
  }
  await writeFile(join(options.dir, 'bench-index.json'), JSON.stringify(index));
  return { dir: options.dir, articles: options.articles, bytes, index, pools };
}

// Run directly: node dist/bench/generate.js DIR [N] [origins]
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir, n = '100000', origins = '1'] = process.argv.slice(2);
  if (dir === undefined) {
    console.error('usage: node dist/bench/generate.js DIR [ARTICLES] [ORIGINS 1|3]');
    process.exit(2);
  }
  const t0 = performance.now();
  const g = await generateArchive({ dir, articles: Number(n), origins: origins === '3' ? 3 : 1 });
  console.error(`generated ${g.articles} articles (${(g.bytes / 1e6).toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s into ${dir}`);
}
