/**
 * No two exported types mean different things under one name (issue #11 done-when: "no duplicate
 * file or type names that mean different things"): every exported interface, type alias, class and
 * enum declared in src/ and packages/mcp-kit/src has a name of its own (re-exports are the same
 * type, not another). A name declared twice on purpose is listed in ALLOWED with its files and why;
 * the test fails when an unlisted name is declared twice, and when a listed one no longer is.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** Names declared in more than one module on purpose: the modules, and why. */
const ALLOWED: Record<string, { files: string[]; why: string }> = {
  OAuthError: {
    files: ['packages/mcp-kit/src/errors.ts', 'src/oauth/errors.ts'],
    why: 'one class: the server re-types the kit’s very class so that its constructor takes only catalogued reasons',
  },
  ToolCallDetail: {
    files: ['packages/mcp-kit/src/exchange.ts', 'src/oauth/grants/authorization-details.ts'],
    why:
      'one RFC 9396 mcp_tool_call detail seen from each side: the kit’s caller names the tool `name` ' +
      '(as MCP tools/call does), the server parses it into the policy input’s `tool`; the kit imports ' +
      'nothing outside its package',
  },
};

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return modules(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The names of the types `source` declares and exports. */
function exportedTypeNames(source: ts.SourceFile): string[] {
  return source.statements.flatMap((s) => {
    const declares =
      ts.isInterfaceDeclaration(s) ||
      ts.isTypeAliasDeclaration(s) ||
      ts.isClassDeclaration(s) ||
      ts.isEnumDeclaration(s);
    const exported =
      ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    return declares && exported && s.name !== undefined ? [s.name.text] : [];
  });
}

const declared = new Map<string, string[]>();
for (const path of [...modules(join(root, 'src')), ...modules(join(root, 'packages', 'mcp-kit', 'src'))]) {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest);
  for (const name of exportedTypeNames(source))
    declared.set(name, [...(declared.get(name) ?? []), relative(root, path)].sort());
}
const twice = [...declared].filter(([, files]) => files.length > 1);

describe('exported type names', () => {
  it('reads exported interfaces, type aliases, classes and enums, not re-exports or locals', () => {
    const source = ts.createSourceFile(
      'x.ts',
      [
        'export interface A {}',
        'export type B = string;',
        'export class C {}',
        'export enum D { x }',
        'interface Local {}',
        "export type { E } from './e.js';",
        'export const F = 1;',
      ].join('\n'),
      ts.ScriptTarget.Latest,
    );
    expect(exportedTypeNames(source)).toEqual(['A', 'B', 'C', 'D']);
  });

  it('declares each name in one module, but the allowed ones', () => {
    const unlisted = twice
      .filter(([name]) => !(name in ALLOWED))
      .map(([name, files]) => `${name}: ${files.join(', ')}`);
    expect(unlisted, 'rename one, or share one type (or list it in ALLOWED with why)').toEqual([]);
  });

  it('lists only names still declared twice, in the modules listed', () => {
    for (const [name, { files, why }] of Object.entries(ALLOWED)) {
      expect(declared.get(name), `${name} is no longer declared twice: remove it from ALLOWED`).toEqual(
        files,
      );
      expect(why.length, name).toBeGreaterThan(20);
    }
  });
});
