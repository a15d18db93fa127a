import { defineConfig } from 'vitest/config';

/**
 * `npm run check:template`: the template's own documents, not the product. The
 * README's worked examples applied to a clean copy of the committed project,
 * README.ja.md's headings, the documents' relative links, and
 * docs/configuration.md naming every key. A project made from the template may
 * rewrite its README and keeps a green `npm test`.
 */
export default defineConfig({
  test: {
    include: ['test/template/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
});
