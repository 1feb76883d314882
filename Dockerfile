# CAIO: one image, three roles (DESIGN §1). Build: `docker build -t caio .`
# Run: `docker run --env-file .env -e REDIS_URL=redis://… -p 3000:3000 caio --role web` (or --role worker).
# The image has no redis-server: point REDIS_URL at a Redis with AOF and noeviction (docker-compose.yml).

# --- build: all dependencies, compile src/ to dist/, then drop the dev dependencies ---------------
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- run: compiled JavaScript only (no TypeScript, no tsx), as the unprivileged `node` user ------
FROM node:22-bookworm-slim AS run
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node bin ./bin
COPY --chown=node:node config ./config
USER node
EXPOSE 3000
# Liveness only (the process answers); readiness, which needs Redis, is /readyz for a load balancer.
# A worker serves no HTTP: docker-compose.yml turns this check off for it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `docker run caio status` (or any caio command) works too: the arguments go to caio.
ENTRYPOINT ["node", "dist/main.js"]
CMD ["--role", "all"]
