# One image for the API and the worker: the command chooses which.
#   docker build -t dm-jobqueue .
#   docker run ... dm-jobqueue                     (the API: node dist/server.js)
#   docker run ... dm-jobqueue node dist/worker.js (a worker; set HEALTH_PORT=8082)
# docker-compose.jobqueue.yml runs both against docker-compose.redis.yml's Redis.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:24-bookworm-slim AS production
ENV NODE_ENV=production \
    APP_ENV=production \
    SERVER_HOST=0.0.0.0 \
    JOBQUEUE_HOST=0.0.0.0 \
    HEALTH_PORT=8080 \
    NODE_COMPILE_CACHE=/tmp/node-compile-cache
WORKDIR /app
# Production dependencies only: no TypeScript, test or bench packages in the image.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config ./config
COPY public ./public
# The node image's unprivileged user; nothing in /app is writable by it.
USER node
EXPOSE 8080 8082
# Liveness only (/health); readiness is /ready (503 while Redis is unreachable).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.HEALTH_PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server.js"]
