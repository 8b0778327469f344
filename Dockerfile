# syntax=docker/dockerfile:1
# The hub: API and/or delivery workers (HUB_ROLE=all|api|worker). Needs a Redis with AOF
# persistence and maxmemory-policy noeviction (see docker-compose.yml).

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the hub's postinstall installs development tools (tools/), not in the image
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    HUB_CONFIG=config/hub.json
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY schemas ./schemas
COPY adapters ./adapters
COPY src ./src
# the operator commands, run in a container with npm as anywhere else (docs/operations.md):
#   docker compose exec api npm run client:add -- --id dvc-portal --role portal
# client:add|list|remove, db:migrate, audit:verify, retention. The demo, the agency simulators
# and type generation are for development and stay out (test/container.test.ts checks the list).
COPY scripts/client.ts scripts/db-migrate.ts scripts/audit-verify.ts scripts/retention.ts ./scripts/
# the shipped config and holiday table; not config/dev-secrets (public development secrets): mount
# the province's own secrets and config (docker-compose.yml mounts the development ones for a trial,
# with NODE_ENV=development: under production the hub refuses to start on them)
COPY config/hub.json config/holidays.json ./config/
# data/: the embedded record (PGlite) when DATABASE_URL is unset; mount a volume there to keep it
RUN mkdir data && chown node:node data
USER node
EXPOSE 3000
# /ready: Redis answers and the workers run. A worker-only container (no HTTP) disables this check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# tsx runs the TypeScript sources directly (the same code the tests run); SIGTERM closes gracefully.
CMD ["node", "--import=tsx", "src/server.ts"]
