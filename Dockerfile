# syntax=docker/dockerfile:1
# The gateway as a container: compiled JavaScript, production dependencies only, non-root.
# Tested on Node 20.20 (these machines); the image uses the maintained LTS line (Node 20 reached
# end of life in April 2026).

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY connectors ./connectors
COPY samples ./samples
RUN npm run build

FROM node:22-bookworm-slim AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000
WORKDIR /app
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/dist/ ./
COPY package.json ./
COPY schema ./schema
COPY src/console/assets ./src/console/assets
COPY data ./data
COPY examples ./examples
# Everything above is root's and read-only to the gateway. Its state — the embedded default's audit
# log, runtime registrations and secrets key, or on one machine AUDIT_DIR=var/audit,
# REGISTRY_DIR=var/registry, API_KEYS_FILE=var/api-keys.json — goes in /app/var, the one folder
# user node may write, declared a volume (mount one to keep it across containers). With Redis
# (compose.yaml) nothing is written there.
RUN mkdir -p /app/var && chown node:node /app/var && chmod 700 /app/var
VOLUME ["/app/var"]
USER node
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Embedded default unless configured: set GATEWAY_MODE=production, REGISTRATIONS_DIR and
# AGENCY_DIRECTORY (mounted read-only) and REDIS_URL for a real deployment.
CMD ["node", "src/main.js"]
