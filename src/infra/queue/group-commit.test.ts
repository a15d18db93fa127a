import { describe, expect, it } from 'vitest';
import { createGroupCommit, GroupCommitTimeoutError } from './group-commit.js';

/** A write that records its batches and finishes only when the test says so. */
function controlledWrite() {
  const batches: number[][] = [];
  const pending: { resolve: () => void; reject: (error: Error) => void }[] = [];
  const write = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push(items);
      pending.push({ resolve: () => resolve(items.map((item) => `stored ${item}`)), reject });
    });
  return { write, batches, pending };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit', () => {
  it('sends items submitted in the same turn in one write and gives each caller its own result', async () => {
    const { write, batches, pending } = controlledWrite();
    const submit = createGroupCommit(write, { maxBatch: 10 });
    const results = Promise.all([submit(1), submit(2), submit(3)]);
    await nextTurn();
    expect(batches).toEqual([[1, 2, 3]]);
    pending[0]?.resolve();
    expect(await results).toEqual(['stored 1', 'stored 2', 'stored 3']);
  });

  it('holds items back while a write is in flight and sends them together once it returned', async () => {
    const { write, batches, pending } = controlledWrite();
    const submit = createGroupCommit(write, { maxBatch: 10 });
    const first = submit(1);
    await nextTurn();
    let secondSettled = false;
    const rest = Promise.all([submit(2), submit(3), submit(4)]).finally(() => (secondSettled = true));
    await nextTurn();
    expect(batches).toEqual([[1]]);

    pending[0]?.resolve();
    expect(await first).toBe('stored 1');
    await nextTurn();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    expect(secondSettled).toBe(false);
    pending[1]?.resolve();
    expect(await rest).toEqual(['stored 2', 'stored 3', 'stored 4']);
  });

  it('never puts more than maxBatch items in one write, and runs maxWrites writes at once', async () => {
    const { write, batches, pending } = controlledWrite();
    const submit = createGroupCommit(write, { maxBatch: 2, maxWrites: 2 });
    const all = Promise.all([1, 2, 3, 4, 5].map(submit));
    await nextTurn();
    await nextTurn();
    expect(batches).toEqual([[1, 2], [3, 4]]);
    pending[0]?.resolve();
    await nextTurn();
    await nextTurn();
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    pending[1]?.resolve();
    pending[2]?.resolve();
    expect(await all).toEqual(['stored 1', 'stored 2', 'stored 3', 'stored 4', 'stored 5']);
  });

  it('rejects only the items of a failed write; later items are written as usual', async () => {
    const { write, batches, pending } = controlledWrite();
    const submit = createGroupCommit(write, { maxBatch: 10 });
    const failed = Promise.allSettled([submit(1), submit(2)]);
    await nextTurn();
    const later = submit(3);
    pending[0]?.reject(new Error('Redis went away'));
    expect((await failed).map((result) => result.status === 'rejected' && (result.reason as Error).message)).toEqual(['Redis went away', 'Redis went away']);
    await nextTurn();
    expect(batches).toEqual([[1, 2], [3]]);
    pending[1]?.resolve();
    expect(await later).toBe('stored 3');
  });

  it('rejects a batch whose write returned the wrong number of results instead of guessing', async () => {
    const submit = createGroupCommit(async () => ['only one'], { maxBatch: 10 });
    const results = await Promise.allSettled([submit(1), submit(2)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });

  it('rejects unsent, with a timeout, items that waited longer than maxWaitMs for a stalled write', async () => {
    const { write, batches, pending } = controlledWrite();
    const submit = createGroupCommit(write, { maxBatch: 10, maxWaitMs: 50 });
    const first = submit(1);
    await nextTurn();
    const stuck = submit(2);
    await new Promise((resolve) => setTimeout(resolve, 80));
    const fresh = submit(3);
    pending[0]?.resolve();
    expect(await first).toBe('stored 1');
    await expect(stuck).rejects.toBeInstanceOf(GroupCommitTimeoutError);
    await nextTurn();
    expect(batches).toEqual([[1], [3]]);
    pending[1]?.resolve();
    expect(await fresh).toBe('stored 3');
  });
});
