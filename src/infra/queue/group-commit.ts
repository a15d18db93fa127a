export interface GroupCommitOptions {
  /** Most items sent in one call; more waiting items go in the next call. */
  maxBatch: number;
  /** Writes in flight at once (default 1). */
  maxWrites?: number;
  /**
   * Longest an item may wait for its turn; when it is up the item is rejected
   * unsent with {@link GroupCommitTimeoutError}, so a stalled store cannot pile
   * up callers (default: no limit).
   */
  maxWaitMs?: number;
}

/** The item waited `maxWaitMs` for a write slot and was never sent. */
export class GroupCommitTimeoutError extends Error {
  override readonly name = 'GroupCommitTimeoutError';
}

/**
 * Group commit: items submitted while a write is in flight wait for it and then
 * go together in the next write, so under load many requests share one Redis
 * call, and when idle an item waits only for the current turn of the event loop.
 * Each caller's promise settles with its own item's result, or with the error
 * of the write its item was in; nothing resolves before its write did.
 *
 * `write` must return one result per item, in order.
 * @example const add = createGroupCommit((jobs) => writer.write(jobs), { maxBatch: 64 }); await add(job);
 */
export function createGroupCommit<TItem, TResult>(
  write: (items: TItem[]) => Promise<TResult[]>,
  { maxBatch, maxWrites = 1, maxWaitMs = Number.POSITIVE_INFINITY }: GroupCommitOptions,
): (item: TItem) => Promise<TResult> {
  interface Waiting {
    item: TItem;
    since: number;
    resolve: (result: TResult) => void;
    reject: (error: unknown) => void;
  }
  const waiting: Waiting[] = [];
  let writing = 0;
  let scheduled = false;

  function dropExpired(): void {
    const deadline = performance.now() - maxWaitMs;
    while (waiting.length > 0 && (waiting[0]?.since ?? 0) < deadline) {
      waiting.shift()?.reject(new GroupCommitTimeoutError(`timed out after waiting ${maxWaitMs} ms for a write`));
    }
  }

  async function flush(): Promise<void> {
    scheduled = false;
    dropExpired();
    if (waiting.length === 0) return;
    const batch = waiting.splice(0, maxBatch);
    writing += 1;
    // Room for another write in flight: the rest need not wait for this one.
    if (waiting.length > 0) schedule();
    try {
      const results = await write(batch.map((entry) => entry.item));
      if (results.length !== batch.length) throw new Error(`group commit: ${results.length} results for ${batch.length} items`);
      batch.forEach((entry, index) => entry.resolve(results[index] as TResult));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      writing -= 1;
      if (waiting.length > 0) schedule();
    }
  }

  function schedule(): void {
    if (scheduled || writing >= maxWrites) return;
    scheduled = true;
    // setImmediate, not a microtask: requests whose bytes arrived in the same
    // poll of the event loop are all parsed before the write starts.
    setImmediate(() => void flush());
  }

  return (item) =>
    new Promise<TResult>((resolve, reject) => {
      waiting.push({ item, since: performance.now(), resolve, reject });
      schedule();
    });
}
