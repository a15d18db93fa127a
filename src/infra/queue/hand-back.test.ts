import { WaitingError } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import { handBackOnAbort, HAND_BACK_REASON } from './bullmq-worker.js';

const never = () => new Promise<void>(() => undefined);

describe('handBackOnAbort', () => {
  it('returns the run when it ends first, and hands nothing back', async () => {
    const job = { moveToWait: vi.fn(async () => 0) };
    await handBackOnAbort(job, 'token', new AbortController().signal, Promise.resolve());
    expect(job.moveToWait).not.toHaveBeenCalled();
  });

  it('passes a failed run on as it is', async () => {
    const job = { moveToWait: vi.fn(async () => 0) };
    await expect(
      handBackOnAbort(job, 'token', new AbortController().signal, Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    expect(job.moveToWait).not.toHaveBeenCalled();
  });

  it('moves the job back to waiting with the lock token and throws WaitingError once aborted', async () => {
    const job = { moveToWait: vi.fn(async () => 0) };
    const controller = new AbortController();
    const result = handBackOnAbort(job, 'token-1', controller.signal, never());
    controller.abort(HAND_BACK_REASON);
    await expect(result).rejects.toBeInstanceOf(WaitingError);
    expect(job.moveToWait).toHaveBeenCalledWith('token-1');
  });

  it('runs the job plainly without a signal or a token', async () => {
    const job = { moveToWait: vi.fn(async () => 0) };
    await handBackOnAbort(job, undefined, new AbortController().signal, Promise.resolve());
    await handBackOnAbort(job, 'token', undefined, Promise.resolve());
    expect(job.moveToWait).not.toHaveBeenCalled();
  });
});
