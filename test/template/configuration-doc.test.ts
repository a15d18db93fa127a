import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../scripts/lib/node-process.js';
import { ENV_OVERRIDES, EXTRAS } from '../../src/infra/config/load-config.js';
import { AppConfigSchema, CacheServerConfigSchema } from '../../src/infra/config/schema.js';

/** The parts of a valibot schema the walk needs: wrappers (optional), object entries, union options. */
interface SchemaShape {
  wrapped?: unknown;
  entries?: Record<string, unknown>;
  options?: unknown[];
}

const shape = (schema: unknown): SchemaShape => (typeof schema === 'object' && schema !== null ? schema : {});

/** Every leaf key of a config schema as a dotted path (`server.port`), through optionals and unions. */
function leafKeys(schema: unknown, prefix = ''): string[] {
  const { wrapped, entries, options } = shape(schema);
  if (wrapped) return leafKeys(wrapped, prefix);
  if (entries)
    return Object.entries(entries).flatMap(([key, child]) => leafKeys(child, prefix ? `${prefix}.${key}` : key));
  // A union of a scalar and an object (tls: true | { ca_file, … }): the key itself and the object's keys.
  const nested = (options ?? [])
    .filter((option) => shape(option).entries || shape(option).wrapped)
    .flatMap((option) => leafKeys(option, prefix));
  return [...new Set([prefix, ...nested])];
}

describe('docs/configuration.md', () => {
  const doc = readFileSync(path.join(PROJECT_ROOT, 'docs', 'configuration.md'), 'utf8');

  it("names every key of both YAML files, the extras' sections too", () => {
    const extraKeys = EXTRAS.flatMap(({ owns }) =>
      owns ? leafKeys(owns.schema, owns.file === 'cacheserver' ? `redis.${owns.key}` : owns.key) : [],
    );
    const keys = [...leafKeys(AppConfigSchema), ...leafKeys(CacheServerConfigSchema), ...extraKeys];
    expect(keys.length).toBeGreaterThan(50);
    expect(keys.filter((key) => !doc.includes(`\`${key}\``))).toEqual([]);
  });

  it('names every environment override', () => {
    expect(
      ENV_OVERRIDES.map((override) => override.variable).filter((variable) => !doc.includes(`\`${variable}\``)),
    ).toEqual([]);
  });
});
