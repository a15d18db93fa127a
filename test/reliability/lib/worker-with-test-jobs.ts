/**
 * The real worker process with the test job types added (`test:slow`,
 * `test:busy`): the shipped entry knows only src/jobs/registry.ts.
 */
import { createJobRegistry, jobDefinitions } from '../../../src/jobs/registry.js';
import { runWorkerProcess } from '../../../src/services/worker-process.js';
import { testBusy } from '../../jobs/test-busy.js';
import { testSlow } from '../../jobs/test-slow.js';

await runWorkerProcess({ registry: createJobRegistry([...jobDefinitions, testSlow, testBusy]) });
