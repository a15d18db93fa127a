import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../scripts/lib/node-process.js';

const read = (file: string) => readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
const headings = (text: string) => [...text.matchAll(/^(#{1,3}) (.+)$/gm)].map((match) => `${match[1]} ${match[2]}`);
const DOCS = [
  'README.md',
  'README.ja.md',
  'bench/README.md',
  ...readdirSync(path.join(PROJECT_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('the documents', () => {
  it('keep README.ja.md with the same headings as README.md', () => {
    expect(headings(read('README.ja.md')).filter((h) => !h.startsWith('# '))).toEqual(
      headings(read('README.md')).filter((h) => !h.startsWith('# ')),
    );
  });

  it.each(DOCS)('%s links only to files that exist', (file) => {
    const text = read(file).replace(/```[\s\S]*?```/g, '');
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((match) => match[1] ?? '')
      .filter((target) => !/^(?:https?:|mailto:|#)/.test(target));
    const missing = targets.filter(
      (target) => !existsSync(path.join(PROJECT_ROOT, path.dirname(file), target.split('#')[0] ?? '')),
    );
    expect(missing).toEqual([]);
  });
});
