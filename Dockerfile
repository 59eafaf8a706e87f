# Build: TypeScript and the default policy bundle (OPA pinned by scripts/install-opa.sh).
FROM node:22-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm run policy:build

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY --from=build /app/build/policy ./build/policy
COPY src/store/migrations ./src/store/migrations
USER node
EXPOSE 8080
CMD ["node", "dist/main.js"]
