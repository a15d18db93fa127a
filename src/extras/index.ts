/**
 * The optional extras, one line each. Removing one: delete its line here, its folders
 * (src/extras/NAME, test/extras/NAME) and its marked sections in config/ (`# extra: NAME`).
 */
export { dashboard } from './dashboard/extra.js';
export { demoPage } from './demo-page/extra.js';
export { idempotencyKey } from './idempotency-key/extra.js';
export { metrics } from './metrics/extra.js';
export { rateLimitCluster } from './rate-limit-cluster/extra.js';
export { replicaAck } from './replica-ack/extra.js';
