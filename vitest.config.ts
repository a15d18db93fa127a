import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Type tests (*.test-d.ts) are type-checked as part of the run: a wrong payload must not compile.
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
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
