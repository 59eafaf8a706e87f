# Mandate's image. Starts with no configuration (embedded Postgres and the audit file in the data
# folder /app/data, the development IdP, the default policy bundle) and is configured by the same
# variables as `npm start` (docs/configuration.md); docker-compose.yml runs it with Postgres and
# NATS. test/docker/image.test.ts runs this stage's start command as the non-root user in a copy of
# the layout built from this file, so every instruction of the last stage must be one it knows.

# Build: TypeScript. The default policy bundle is shipped in the repository (bundles/default.tar.gz).
FROM node:22-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/mcp-kit/package.json ./packages/mcp-kit/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:22-bookworm-slim
WORKDIR /app
# HOST: a container is reached through its own interface, not the loopback one.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 MANDATE_DATA_DIR=/app/data
COPY package.json package-lock.json ./
COPY packages/mcp-kit/package.json ./packages/mcp-kit/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The server imports the MCP server kit (an npm workspace) at run time.
COPY --from=build /app/packages/mcp-kit/dist ./packages/mcp-kit/dist
COPY bundles/default.tar.gz ./bundles/default.tar.gz
COPY src/store/migrations ./src/store/migrations
# The data folder (PGlite, the generated key-encryption key, audit.jsonl) is the one place the
# service writes; everything else stays owned by root.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME /app/data
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
