/**
 * HTTP API entry (`node dist/server.js`). The compile cache goes on before the
 * rest loads, so it covers every module; api-main.ts does the work.
 */
import { enableCompileCache } from './infra/process/compile-cache.js';

enableCompileCache();
await import('./api-main.js');
