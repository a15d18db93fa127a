import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The reliability suite has its own run (vitest.reliability.config.ts).
    exclude: ['test/reliability/**', 'node_modules/**'],
    // Integration tests spawn redis-server and node processes; 2 cores are plenty shared.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
