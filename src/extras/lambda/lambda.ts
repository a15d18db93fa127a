/** AWS Lambda entry (optional extra): the container reuses the clients; the worker cannot run as a function. */
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

export async function handler(event: LambdaEvent, context?: LambdaContext) {
  handlerPromise ??= createHandler().catch((error: unknown) => {
    // A failed set-up (bad configuration) is retried by the next invocation, not cached.
    handlerPromise = undefined;
    throw error;
  });
  return (await handlerPromise)(event, context);
}
