/**
 * AWS Lambda entry (an optional extra: ./README.md; API Gateway HTTP API, ALB, …) for the same app the HTTP
 * server runs, through Hono's `hono/aws-lambda` adapter. The first invocation loads the
 * configuration and makes the clients, which the container reuses for later invocations. The
 * worker stays a long-running process: a function cannot block on Redis waiting for due jobs.
 */
import { handle, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import { loadConfig } from '../../infra/config/load-config.js';
import { createLogger } from '../../infra/log.js';
import { createApi } from '../../server.js';

let handlerPromise: Promise<ReturnType<typeof handle>> | undefined;

async function createHandler(): Promise<ReturnType<typeof handle>> {
  const config = loadConfig();
  const api = createApi({ config, logger: await createLogger({ name: 'api-lambda', ...config.app.log }) });
  // The first request of a cold container waits for the connection instead of answering 503.
  await api.firstConnection;
  return handle(api.app);
}

/** The Lambda handler: `handler` in the function's configuration (file `dist/extras/lambda/lambda.js`). */
export async function handler(event: LambdaEvent, context?: LambdaContext) {
  handlerPromise ??= createHandler().catch((error: unknown) => {
    // A failed set-up (bad configuration) is retried by the next invocation, not cached.
    handlerPromise = undefined;
    throw error;
  });
  return (await handlerPromise)(event, context);
}
