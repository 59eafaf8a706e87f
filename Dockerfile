# Build: TypeScript. The default policy bundle is shipped in the repository (bundles/default.tar.gz).
FROM node:22-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY bundles/default.tar.gz ./bundles/default.tar.gz
COPY src/store/migrations ./src/store/migrations
USER node
EXPOSE 8080
CMD ["node", "dist/main.js"]
