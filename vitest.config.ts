import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The server imports the MCP server kit by its package name; tests run its sources (as tsconfig's
// `paths` do for tsc and tsx), never a stale build.
const kit = fileURLToPath(new URL('./packages/mcp-kit/src/', import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@mandate\/mcp-kit$/, replacement: `${kit}index.ts` },
      { find: /^@mandate\/mcp-kit\/(express|fastify|testing)$/, replacement: `${kit}$1.ts` },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
