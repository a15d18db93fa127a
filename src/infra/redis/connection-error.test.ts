import { describe, expect, it } from 'vitest';
import { isRedisConnectionError } from './connection.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isRedisConnectionError', () => {
  it.for([
    withCode('connect ECONNREFUSED 127.0.0.1:6390', 'ECONNREFUSED'),
    withCode('read ECONNRESET', 'ECONNRESET'),
    withCode('connect ETIMEDOUT', 'ETIMEDOUT'),
    withCode('connect EHOSTUNREACH 10.200.0.2:6379', 'EHOSTUNREACH'),
    new Error('Connection is closed.'),
    new Error('Command timed out'),
    new Error("Stream isn't writeable and enableOfflineQueue options is false"),
  ])('counts "$message" as an outage', (error) => {
    expect(isRedisConnectionError(error)).toBe(true);
  });

  it.for([
    new Error('could not renew lock for job 42'),
    new Error('WRONGTYPE Operation against a key holding the wrong kind of value'),
    new Error('NOAUTH Authentication required.'),
    new Error('Missing lock for job 7. moveToFinished'),
  ])('reports "$message" as a fault of its own', (error) => {
    expect(isRedisConnectionError(error)).toBe(false);
  });
});
