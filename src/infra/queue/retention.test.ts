import { describe, expect, it } from 'vitest';
import { toKeepJobs } from './bullmq-worker.js';

describe('toKeepJobs', () => {
  it('keeps by count and age', () => {
    expect(toKeepJobs({ count: 1000, age_seconds: 86_400 })).toEqual({ count: 1000, age: 86_400 });
  });

  it('reads age_seconds 0 as no age limit, not as "delete at once"', () => {
    expect(toKeepJobs({ count: 10, age_seconds: 0 })).toEqual({ count: 10 });
  });
});
