import { describe, expect, it } from 'vitest';
import { formatAddr, parseAddr } from './schema.js';

describe('addresses', () => {
  it('parses host:port and [ipv6]:port, and formatAddr writes them back', () => {
    for (const text of ['localhost:6379', '10.0.0.5:26379', '[::1]:6380']) {
      const parsed = parseAddr(text);
      expect(parsed).toBeDefined();
      expect(formatAddr(parsed!)).toBe(text);
    }
    expect(parseAddr('[::1]:6380')).toEqual({ host: '::1', port: 6380 });
  });

  it('refuses text that is not one address with a port from 1 to 65535', () => {
    for (const text of ['localhost', 'localhost:0', 'localhost:65536', '::1:6379', 'a b:1', ''])
      expect(parseAddr(text)).toBeUndefined();
  });
});
