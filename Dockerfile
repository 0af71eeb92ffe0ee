# syntax=docker/dockerfile:1
# liveticker: build stage (dev dependencies, compile), then a slim runtime stage with production
# dependencies only, as a non-root user. test/production/build.test.ts runs the same commands
# (npm ci, npm run build, npm prune --omit=dev, npm start) on every CI run.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 builds its native addon when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY schemas/package.json schemas/
COPY server/package.json server/
COPY client-sdk/package.json client-sdk/
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY schemas schemas
COPY server server
COPY client-sdk client-sdk
COPY scripts scripts
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
# NODE_ENV=production: the server refuses to start without SMTP_URL unless MAIL_TRANSPORT=log says
# so on purpose (mail links must not end up in the log).
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATABASE_URL=/data/liveticker.sqlite \
    LOG_FORMAT=json
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=build --chown=node:node /app/node_modules node_modules
COPY --from=build --chown=node:node /app/scripts/start.mjs /app/scripts/backup.mjs scripts/
COPY --from=build --chown=node:node /app/schemas/package.json schemas/package.json
COPY --from=build --chown=node:node /app/schemas/dist schemas/dist
COPY --from=build --chown=node:node /app/server/package.json server/package.json
COPY --from=build --chown=node:node /app/server/dist server/dist
COPY --from=build --chown=node:node /app/client-sdk/package.json client-sdk/package.json
COPY --from=build --chown=node:node /app/client-sdk/dist client-sdk/dist
# The ops key (without ADMIN_API_KEY) is kept beside the SQLite file, on the volume.
RUN mkdir -p /data /app/data && chown node:node /data /app/data
USER node
VOLUME ["/data"]
EXPOSE 3000
# A deploy sends SIGTERM: the node drains its sockets (SHUTDOWN_TIMEOUT_MS) and exits 0.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "scripts/start.mjs"]
