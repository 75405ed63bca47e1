# One image for every Chatfunnel process; docker-compose.yml picks the entry point per service:
#   api        node --import tsx server/src/bin/api.ts        (API + built dashboard; the default CMD)
#   collector  node --import tsx server/src/bin/collector.ts  (POST /v1/events → Kafka)
#   consumer   node --import tsx server/src/bin/consumer.ts   (Kafka → ClickHouse)
# Server code runs from TypeScript through tsx (no build step, as in development); only the
# dashboard is built. Debian-based (glibc) because chdb's native engine needs it at import time.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY contract/package.json contract/
COPY schemas/package.json schemas/
COPY sdk/package.json sdk/
COPY core/package.json core/
COPY warehouse/package.json warehouse/
COPY ingest/package.json ingest/
COPY api/package.json api/
COPY server/package.json server/
COPY simulator/package.json simulator/
COPY dashboard/package.json dashboard/
# Dev dependencies stay: tsx runs the server code, vite builds the dashboard.
RUN npm ci --no-audit --no-fund

FROM deps AS dashboard
COPY tsconfig.json ./
COPY contract contract
COPY schemas schemas
COPY dashboard dashboard
RUN npm run build -w dashboard

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY contract contract
COPY schemas schemas
COPY sdk sdk
COPY core core
COPY warehouse warehouse
COPY ingest ingest
COPY api api
COPY server server
COPY simulator simulator
COPY dashboard/package.json dashboard/
COPY --from=dashboard /app/dashboard/dist dashboard/dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--import", "tsx", "server/src/bin/api.ts"]
