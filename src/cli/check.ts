// `feedwright check`: validates site.json and every article file, writing nothing.
import { loadSiteConfig } from '../config.js';
import { checkArticleFiles, formatProblem } from '../compile/source-files.js';
import { runtimeOf } from './context.js';
import type { ParsedArgs } from './options.js';
import { count } from '../core/plural.js';

/** Prints every problem (file and field, or line and column) on stderr and a summary; resolves 0 when there are none, else 1. */
export async function runCheck(args: ParsedArgs): Promise<number> {
  const runtime = runtimeOf(args);
  let site;
  try {
    site = loadSiteConfig(runtime.dataDir, process.env);
  } catch (err) {
    // The message names site.json (or the key) already.
    console.error(`feedwright: ${(err as Error).message}`);
    return 1;
  }
  const result = await checkArticleFiles(runtime.articlesDir, site.timeZone, site.idPrefix);
  for (const p of result.problems) console.error(formatProblem(p));
  const problems = result.problems.length;
  console.log(`checked site.json and ${count(result.files, 'article file')} in ${runtime.articlesDir}: ${problems === 0 ? 'no problems' : count(problems, 'problem')}`);
  return problems === 0 ? 0 : 1;
}
