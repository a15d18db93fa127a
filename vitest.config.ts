import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The reliability suite and the template's document checks have their own runs
    // (vitest.reliability.config.ts, vitest.template.config.ts).
    exclude: ['test/reliability/**', 'test/template/**', 'node_modules/**'],
    // Integration tests spawn redis-server and node processes; 2 cores are plenty shared.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
