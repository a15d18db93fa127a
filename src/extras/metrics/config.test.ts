import { describe, expect, it } from 'vitest';
import { failure, load } from '../../../test/helpers/config-files.js';

describe('the metrics extra: its login', () => {
  it('takes METRICS_USER and METRICS_PASSWORD as a pair, the password at least 12 characters; neither is off', () => {
    expect(load({}).extras?.metrics).toBeUndefined();
    expect(load({ METRICS_USER: ' prom ', METRICS_PASSWORD: 'correct horse battery' }).extras?.metrics).toEqual({
      username: 'prom',
      password: 'correct horse battery',
    });
    expect(failure(() => load({ METRICS_USER: 'prom' })).message).toBe(
      'METRICS_PASSWORD: is not set: set METRICS_USER and METRICS_PASSWORD together (or neither, which turns /metrics off)',
    );
    expect(failure(() => load({ METRICS_USER: 'prom', METRICS_PASSWORD: 'short' })).message).toBe(
      'METRICS_PASSWORD: must be at least 12 characters',
    );
  });
});
