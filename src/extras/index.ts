/** The optional extras, one line each; removing one: see src/extras/extra.ts and its folder's README. */
export { dashboard } from './dashboard/extra.js';
export { demoPage } from './demo-page/extra.js';
export { idempotencyKey } from './idempotency-key/extra.js';
export { metrics } from './metrics/extra.js';
export { rateLimitCluster } from './rate-limit-cluster/extra.js';
export { replicaAck } from './replica-ack/extra.js';
