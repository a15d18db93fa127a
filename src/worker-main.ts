/** The worker process with the service's own job types (src/jobs/registry.ts). */
import { runWorkerProcess } from './services/worker-process.js';

await runWorkerProcess();
