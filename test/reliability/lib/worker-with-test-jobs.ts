/**
 * The real worker process with the test job types added (`test:slow`,
 * `test:busy`): the shipped entry knows only src/jobs/registry.ts.
 */
import { jobDefinitions } from '../../../src/jobs/registry.js';
import { runWorker } from '../../../src/worker.js';
import { testBusy } from '../../jobs/test-busy.js';
import { testSlow } from '../../jobs/test-slow.js';

await runWorker([...jobDefinitions, testSlow, testBusy]);
