/**
 * The register endpoint as an Express user would build it from the usual
 * middleware, with the features ours has: CORS (cors), a rate limit in memory
 * (express-rate-limit), the same HS256 API keys (jsonwebtoken), a validated
 * body (express-validator), request ids, then a plain `queue.add`.
 */
import { Queue } from 'bullmq';
import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { body, checkExact, validationResult } from 'express-validator';
import jsonwebtoken from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { TEST_API_SECRET } from '../../test/helpers/api-keys.js';
import { announce, benchEnv } from './env.js';

const { port, redisPort, queueName } = benchEnv();
const queue = new Queue(queueName, { connection: { host: '127.0.0.1', port: redisPort } });

function requestId(req: Request, res: Response, next: NextFunction) {
  res.setHeader('X-Request-Id', req.get('x-request-id') ?? randomUUID());
  next();
}

function apiKey(req: Request, res: Response, next: NextFunction) {
  const token = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
  if (!token) return void res.status(401).json({ title: 'Unauthorized' });
  try {
    const claims = jsonwebtoken.verify(token, TEST_API_SECRET, { algorithms: ['HS256'], issuer: 'dm-jobqueue' }) as {
      type: string;
      scope: string[];
      env: string;
    };
    if (claims.type !== 'public' || claims.env !== 'test' || !claims.scope.includes('write'))
      return void res.status(403).json({ title: 'Forbidden' });
    next();
  } catch {
    res.status(401).json({ title: 'Unauthorized' });
  }
}

const app = express();
app.disable('x-powered-by');
app.use(requestId);
app.use(
  '/api',
  cors({
    origin: ['http://localhost:3000'],
    credentials: true,
    maxAge: 600,
    exposedHeaders: ['Retry-After', 'X-Request-Id', 'RateLimit'],
  }),
);
app.use('/api', rateLimit({ windowMs: 60_000, limit: 100_000_000, standardHeaders: 'draft-8', legacyHeaders: false }));
app.use('/api', apiKey);
app.use(express.json({ limit: '16kb' }));
app.post(
  '/api/dm-jobqueue/register',
  body('message').optional().isString().trim().isLength({ min: 1, max: 1000 }),
  body('delay_seconds').optional().isInt({ min: 0, max: 2_592_000 }).toInt(),
  body('max_retry').optional().isInt({ min: 0, max: 25 }).toInt(),
  // Unknown fields are refused, as ours and Fastify's additionalProperties: false do.
  checkExact(),
  (req: Request, res: Response, next: NextFunction) => {
    const errors = validationResult(req);
    if (!errors.isEmpty()) return void res.status(400).json({ errors: errors.array() });
    const {
      message,
      delay_seconds: delaySeconds = 180,
      max_retry: maxRetry = 10,
    } = req.body as { message?: string; delay_seconds?: number; max_retry?: number };
    queue
      .add(
        'demo:delay_print',
        { message: message ?? 'Job executed successfully' },
        {
          jobId: randomUUID(),
          delay: delaySeconds * 1000,
          attempts: maxRetry + 1,
          backoff: { type: 'exponential', delay: 30_000, jitter: 0.2 },
        },
      )
      .then((job) =>
        res.status(201).json({
          job_id: job.id,
          status: 'registered',
          job_type: 'demo:delay_print',
          delay_seconds: delaySeconds,
          max_retry: maxRetry,
          run_at: new Date(job.timestamp + delaySeconds * 1000).toISOString(),
        }),
      )
      .catch(next);
  },
);
const server = app.listen(port, '127.0.0.1', () => {
  const address = server.address();
  announce(typeof address === 'object' && address ? address.port : port);
});
