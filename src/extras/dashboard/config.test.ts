import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configDir, failure, load } from '../../../test/helpers/config-files.js';
import { DEFAULT_CONFIG_DIR } from '../../infra/config/load-config.js';

describe('the dashboard extra: its config section and login', () => {
  it('reads admin: from config.yaml, with ADMIN_HOST/ADMIN_PORT overrides', () => {
    expect(load({}).extras?.dashboard).toMatchObject({ host: '127.0.0.1', port: 8083, read_only: false });
    expect(load({ ADMIN_PORT: '9083' }).extras?.dashboard).toMatchObject({ port: 9083 });
    const error = failure(() => load({ ADMIN_PORT: 'x' }));
    expect([error.key, error.reason]).toEqual([
      'admin.port',
      expect.stringContaining('(the value comes from ADMIN_PORT)'),
    ]);
    const misspelt = readFileSync(path.join(DEFAULT_CONFIG_DIR, 'develop', 'config.yaml'), 'utf8').replace(
      '  port: 8083',
      '  prot: 8083',
    );
    expect(failure(() => load({}, configDir({ config: misspelt }))).key).toBe('admin.prot');
  });

  it('takes ADMIN_USER and ADMIN_PASSWORD as a pair, the password at least 12 characters', () => {
    expect(load({ ADMIN_USER: ' ops ', ADMIN_PASSWORD: 'correct horse battery' }).extras?.dashboard).toMatchObject({
      credentials: { username: 'ops', password: 'correct horse battery' },
    });
    expect(failure(() => load({ ADMIN_USER: 'ops' })).message).toBe(
      'ADMIN_PASSWORD: is not set: set ADMIN_USER and ADMIN_PASSWORD together (or neither, which turns the queue dashboard off)',
    );
    expect(failure(() => load({ ADMIN_PASSWORD: 'correct horse battery' })).message).toMatch(/^ADMIN_USER: /);
    expect(failure(() => load({ ADMIN_USER: 'ops', ADMIN_PASSWORD: 'short' })).message).toBe(
      'ADMIN_PASSWORD: must be at least 12 characters',
    );
  });

  it('refuses the metrics password for the dashboard: the scrape login must not open it', () => {
    const same = { ADMIN_USER: 'ops', METRICS_USER: 'prometheus', ADMIN_PASSWORD: 'correct horse battery' };
    expect(failure(() => load({ ...same, METRICS_PASSWORD: same.ADMIN_PASSWORD })).message).toBe(
      'METRICS_PASSWORD: must differ from ADMIN_PASSWORD: it must not open the dashboard',
    );
    expect(() => load({ ...same, METRICS_PASSWORD: 'scrape only, staple' })).not.toThrow();
  });
});
