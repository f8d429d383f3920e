// Beside step 3, the prepared forms the renders made (issue 10: "sanitising belongs where an
// article is stored, not in every compile"). A render that finds an article without a stored
// prepared form for the current settings (a settings change gave a new key, or the article was
// stored before forms were) sanitises it and sends the form back with its result; here they are
// stored onto the article's version (ArticleStore.storePrepared) as they arrive, in batches, so
// the next compile — in this process or after a restart — finds them prepared. A cache: a store
// that fails is logged and the compile goes on; a read-only store keeps nothing.
import { PREPARED_BATCH_ROWS, type PreparedRow } from '../../store/store.js';
import type { CompileContext, CompileReport } from './context.js';

/** Collects one compile's prepared forms and stores them (see createPreparedForms). */
export interface PreparedForms {
  /**
   * Takes the forms one render made: counted in `itemsPrepared`, and stored in the background
   * once PREPARED_BATCH_ROWS are waiting (one article prepared by two workers is stored once).
   */
  add(rows: readonly PreparedRow[] | undefined): void;
  /**
   * Stores what is still waiting and resolves when every store started has ended (`preparedStored`
   * then counts the articles updated). Never rejects: a failure is logged.
   */
  finish(): Promise<void>;
}

/**
 * Creates the collector of one compile; fills `rep.itemsPrepared` (forms the renders made) and
 * `rep.preparedStored` (articles whose stored form the store replaced: fewer when an article was
 * edited or removed meanwhile, or two workers prepared it).
 */
export function createPreparedForms(ctx: Pick<CompileContext, 'store' | 'log'>, rep: Pick<CompileReport, 'itemsPrepared' | 'preparedStored'>): PreparedForms {
  let waiting = new Map<string, PreparedRow>();
  /** The stores started, one after another (a batch never races the one before it). */
  let chain: Promise<void> = Promise.resolve();
  let failures = 0;

  const flush = () => {
    if (waiting.size === 0) return;
    const rows = [...waiting.values()];
    waiting = new Map();
    chain = chain.then(async () => {
      try {
        rep.preparedStored += await ctx.store.storePrepared(rows);
      } catch (err) {
        // Once per compile: a store that is down fails every batch the same way.
        if ((failures += 1) === 1) ctx.log(`could not store prepared article forms (the next compile prepares them again): ${(err as Error).message}`);
      }
    });
  };

  return {
    add(rows) {
      if (rows === undefined) return;
      rep.itemsPrepared += rows.length;
      for (const r of rows) waiting.set(r.id, r);
      if (waiting.size >= PREPARED_BATCH_ROWS) flush();
    },
    async finish() {
      flush();
      await chain;
    },
  };
}
