import { defineConfig } from 'vitest/config';

/**
 * `npm run test:reliability`: load, faults, partitions and hostile input against
 * real processes. One file at a time: a load figure measured while another
 * scenario kills Redis would mean nothing. Longer soak variants run with
 * RELIABILITY_SOAK=1.
 */
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    globalSetup: ['test/reliability/lib/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    maxWorkers: 1,
  },
});
