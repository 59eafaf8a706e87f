/**
 * The layering rules of eslint.config.js refuse what docs/architecture.md forbids (each case is
 * linted with the repository's own configuration), and the tree as it stands has no import cycle.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { findCycles, importGraph, resolveImport } from '../../eslint/layering.js';

const root = join(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId?.startsWith('layering/') || m.ruleId === 'no-restricted-imports')
    .map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layering/imports', () => {
  it.each([
    ['src/text.ts', "import { activeTrace } from './ops/tracing.js';", 'src/ops/tracing.ts'],
    ['src/store/x.ts', "import { OAuthError } from '../oauth/errors.js';", 'src/oauth/errors.ts'],
    ['src/store/x.ts', "import { redactUrl } from '../audit/mask.js';", 'src/audit/mask.ts'],
    ['src/policy/x.ts', "import type { OAuthContext } from '../oauth/context.js';", 'src/oauth/context.ts'],
    ['src/keys/x.ts', "import { createApp } from '../http/app.js';", 'src/http/app.ts'],
    [
      'src/audit/x.ts',
      "import { createDecisionService } from '../policy/engine.js';",
      'src/policy/engine.ts',
    ],
    [
      'src/oauth/grants/x.ts',
      "import { introspect } from '../endpoints/introspection.js';",
      'src/oauth/endpoints/introspection.ts',
    ],
    ['src/oauth/tokens/x.ts', "import type { OAuthContext } from '../context.js';", 'src/oauth/context.ts'],
    [
      'src/oauth/clients/x.ts',
      "import type { VerifiedWorkload } from '../workload/verify-workload.js';",
      'src/oauth/workload/verify-workload.ts',
    ],
    ['src/oauth/x.ts', "import { loadConfig } from '../config/index.js';", 'src/config/index.ts'],
    [
      'src/oauth/tokens/x.ts',
      "import { authenticateClient } from '../clients/client-auth.js';",
      'src/oauth/clients/client-auth.ts',
    ],
    [
      'src/oauth/id-jag/x.ts',
      "import { verifyWorkload } from '../workload/verify-workload.js';",
      'src/oauth/workload/verify-workload.ts',
    ],
    [
      'src/oauth/endpoint-urls.ts',
      "import { decideOrRefuse } from './decisions/decide-or-refuse.js';",
      'src/oauth/decisions/decide-or-refuse.ts',
    ],
    [
      'src/oauth/tokens/x.ts',
      "import { recordRefusal } from '../audit-record.js';",
      'src/oauth/audit-record.ts',
    ],
    [
      'src/oauth/rate-limit.ts',
      "import { grantRegistry } from './grants/index.js';",
      'src/oauth/grants/index.ts',
    ],
    ['src/oauth/refusals-doc.ts', "import { mint } from './tokens/mint.js';", 'src/oauth/tokens/mint.ts'],
    ['src/http/x.ts', "import { buildStore } from '../wiring/store.js';", 'src/wiring/store.ts'],
    ['src/ops/x.ts', "import { createApp } from '../http/app.js';", 'src/http/app.ts'],
  ])('%s refuses %s', async (file, code, target) => {
    expect(await problems(file, `${code}\nexport {};\n`)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^layering/imports: ${file} may not import ${target}: .+ \\(docs/architecture\\.md\\)\\.$`,
        ),
      ),
    ]);
  });

  it('a workspace package imports nothing outside it', async () => {
    expect(
      await problems(
        'packages/mcp-kit/src/dpop/x.ts',
        "import { OAuthError } from '../../../../src/oauth/errors.js';\nexport {};\n",
      ),
    ).toEqual([expect.stringContaining('outside its package packages/mcp-kit/')]);
    expect(
      await problems('packages/mcp-kit/src/dpop/x.ts', "import { a } from '../errors.js';\nexport {};\n"),
    ).toEqual([]);
  });

  it('core folders never import fastify', async () => {
    expect(
      await problems('src/oauth/x.ts', "import type { FastifyInstance } from 'fastify';\nexport {};\n"),
    ).toEqual([expect.stringContaining('Core modules never import fastify (docs/architecture.md).')]);
  });

  it('arrows that run the right way pass', async () => {
    expect(
      await problems('src/oauth/grants/x.ts', "import { OAuthError } from '../errors.js';\nexport {};\n"),
    ).toEqual([]);
    expect(
      await problems('src/wiring/x.ts', "import { createApp } from '../http/app.js';\nexport {};\n"),
    ).toEqual([]);
    expect(
      await problems('src/audit/cli.ts', "import { loadConfig } from '../config/index.js';\nexport {};\n"),
    ).toEqual([]);
  });
});

describe('layering/no-cycle', () => {
  const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges));

  it('finds each cycle once, in import order, and nothing in a tree', () => {
    expect(findCycles(graph({ a: ['b'], b: ['c'], c: [] }))).toEqual([]);
    expect(findCycles(graph({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] }))).toEqual([['a', 'b', 'c']]);
    expect(findCycles(graph({ a: ['a'], b: [] }))).toEqual([['a']]);
    expect(findCycles(graph({ a: ['b'], b: ['a'], c: ['d'], d: ['c'] }))).toHaveLength(2);
  });

  it('reads static, re-exported, type-only and dynamic imports', () => {
    const files = {
      'src/a.ts': "import type { B } from './b.js';\nexport * from './c.js';\nawait import('./d.js');",
      'src/b.ts': '',
      'src/c.ts': '',
      'src/d.ts': '',
    };
    const g = importGraph(Object.keys(files), (f) => files[f as keyof typeof files]);
    expect(g.get('src/a.ts')).toEqual(['src/b.ts', 'src/c.ts', 'src/d.ts']);
    expect(resolveImport('src/oauth/grants/x.ts', '../errors.js')).toBe('src/oauth/errors.ts');
    expect(resolveImport('src/x.ts', 'jose')).toBeUndefined();
  });

  it('the source tree has no import cycle', () => {
    const walk = (dir: string): string[] =>
      readdirSync(join(root, dir)).flatMap((e) => {
        const path = `${dir}/${e}`;
        return statSync(join(root, path)).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
      });
    expect(findCycles(importGraph(walk('src')))).toEqual([]);
  });
});
