import { describe, expect, it } from 'vitest';
import { failureSignal, once, type Service } from '../../services/service.js';
import { createSilentLogger } from '../log/logger.js';
import { ListenError } from '../http/serve.js';
import { runService } from './run-service.js';

function fakeService(start: () => Promise<void>) {
  const { failure, fail } = failureSignal();
  const events: string[] = [];
  const service: Service = {
    failure,
    start: async () => {
      events.push('start');
      await start();
    },
    stop: once(async () => void events.push('stop')),
  };
  return { service, events, fail };
}

function run(service: Service) {
  const exits: number[] = [];
  const errors: string[] = [];
  const exited = new Promise<number>((resolve) => {
    void runService(service, {
      name: 'API server',
      logger: createSilentLogger(),
      shutdownTimeoutMs: 1000,
      exit: (code) => {
        exits.push(code);
        resolve(code);
      },
      writeError: (line) => void errors.push(line),
    });
  });
  return { exits, errors, exited };
}

describe('runService', () => {
  it('stops what a failed start opened and exits 1, saying why in one line', async () => {
    const taken = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    const { service, events } = fakeService(async () => {
      throw new ListenError({ host: '127.0.0.1', port: 8080, setting: 'SERVER_PORT' }, taken);
    });
    const { errors, exited } = run(service);
    expect(await exited).toBe(1);
    expect(events).toEqual(['start', 'stop']);
    expect(errors).toEqual([
      'API server could not start: port 8080 on 127.0.0.1 is already in use by another program; stop that program or choose another port with SERVER_PORT',
    ]);
  });

  it('exits 1 when the service fails after it started (the worker run loop rejected)', async () => {
    const { service, events, fail } = fakeService(async () => undefined);
    const { errors, exited } = run(service);
    await new Promise((resolve) => setTimeout(resolve, 10));
    fail(new Error('worker is already running'));
    expect(await exited).toBe(1);
    expect(events).toEqual(['start', 'stop']);
    expect(errors[0]).toMatch(/^API server stopped: Error: worker is already running/);
  });
});
