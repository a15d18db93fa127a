import * as v from 'valibot';
import { defineJob } from './job-definition.js';
import { DEFAULT_JOB_DELAY_SECONDS, DEFAULT_MAX_RETRY, DEFAULT_RETRY_BACKOFF } from './defaults.js';
import { formatTimestamp } from './format-timestamp.js';
import { MessageSchema, stripUnprintable } from './message-schema.js';

export const DEMO_DELAY_PRINT = 'demo:delay_print';

export const DEFAULT_DEMO_MESSAGE = 'Job executed successfully';

export const DemoDelayPrintPayload = v.strictObject({ message: MessageSchema });
export type DemoDelayPrintPayload = v.InferOutput<typeof DemoDelayPrintPayload>;

/** Reference job: prints `[YYYY-MM-DD HH:mm:ss] <message>` on stdout when it runs. */
export const demoDelayPrint = defineJob({
  type: DEMO_DELAY_PRINT,
  payloadSchema: DemoDelayPrintPayload,
  delaySeconds: DEFAULT_JOB_DELAY_SECONDS,
  maxRetry: DEFAULT_MAX_RETRY,
  backoff: DEFAULT_RETRY_BACKOFF,
  createProcessor: ({ print, now }) =>
    async function printMessage({ message }) {
      print(`[${formatTimestamp(now())}] ${stripUnprintable(message)}`);
    },
});
