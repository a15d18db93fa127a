/**
 * Worker entry (`node dist/worker.js`). The compile cache goes on before the
 * rest loads, so it covers every module; worker-main.ts does the work.
 */
import { enableCompileCache } from './infra/process/compile-cache.js';

enableCompileCache();
await import('./worker-main.js');
