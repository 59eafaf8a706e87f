/**
 * Every declaration the kit exports carries its own doc comment (jose's
 * test/unit/declaration_comments.test.ts): the comment on the declaration, not on a re-export group,
 * is what editors show a user hovering over a name.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const src = join(import.meta.dirname, '../src');
const entries = ['index.ts', 'express.ts', 'fastify.ts', 'testing.ts'];

const program = ts.createProgram(
  entries.map((e) => join(src, e)),
  {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
  },
);
const checker = program.getTypeChecker();

function undocumented(entry: string): { exported: string[]; missing: string[] } {
  const file = program.getSourceFile(join(src, entry));
  const module = file === undefined ? undefined : checker.getSymbolAtLocation(file);
  if (module === undefined) throw new Error(`${entry} is not a module`);
  const exported = checker.getExportsOfModule(module);
  const missing = exported
    .filter((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      return ts.displayPartsToString(target.getDocumentationComment(checker)).trim() === '';
    })
    .map((s) => s.name);
  return { exported: exported.map((s) => s.name), missing };
}

describe('TSDoc on every exported declaration', () => {
  it.each(entries)('%s', (entry) => {
    const { exported, missing } = undocumented(entry);
    expect(exported.length).toBeGreaterThan(0);
    expect(missing, `exported from ${entry} without a doc comment on its declaration`).toEqual([]);
  });
});
