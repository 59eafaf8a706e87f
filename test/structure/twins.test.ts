/**
 * Tests mirror sources (issue #11 §6): every module under src/ that holds logic (a function, an
 * arrow function, a method or a class) has a test file at its twin path, test/<path>.test.ts or
 * test/<path>.<concern>.test.ts. Modules that only re-export, declare types or define constants
 * need none. PENDING is the shrinking list of modules still without a twin: the test fails when a
 * listed module gains its twin (so the list only ever shrinks) and when an unlisted one lacks it.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const pendingFile = join(import.meta.dirname, 'twins-pending.txt');

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return modules(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function hasLogic(path: string): boolean {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest);
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isFunctionLike(node) && !ts.isFunctionTypeNode(node) && !ts.isMethodSignature(node)) {
      if (!ts.isTypeNode(node) && !ts.isCallSignatureDeclaration(node)) found = true;
    }
    if (ts.isClassLike(node)) found = true;
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function hasTwin(module: string): boolean {
  const dir = join(root, 'test', module.slice(0, module.lastIndexOf('/') + 1));
  const base = module.slice(module.lastIndexOf('/') + 1);
  if (!existsSync(dir)) return false;
  return readdirSync(dir).some(
    (name) => name === `${base}.test.ts` || (name.startsWith(`${base}.`) && name.endsWith('.test.ts')),
  );
}

const pending = new Set(
  readFileSync(pendingFile, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#')),
);

const withLogic = modules(join(root, 'src'))
  .map((path) => ({ path, module: relative(join(root, 'src'), path).replace(/\.ts$/, '') }))
  .filter(({ path }) => hasLogic(path));

describe('tests mirror sources', () => {
  it('every module with logic has a twin test, or is still listed as pending', () => {
    const missing = withLogic
      .filter(({ module }) => !hasTwin(module) && !pending.has(module))
      .map(({ module }) => module);
    expect(missing, 'add test/<module>.test.ts for these').toEqual([]);
  });

  it('the pending list only shrinks: a listed module that has its twin is removed from it', () => {
    const done = withLogic
      .filter(({ module }) => pending.has(module) && hasTwin(module))
      .map(({ module }) => module);
    const gone = [...pending].filter((module) => !withLogic.some((entry) => entry.module === module));
    expect(done, 'remove these from test/structure/twins-pending.txt').toEqual([]);
    expect(gone, 'these are no longer modules with logic: remove them from twins-pending.txt').toEqual([]);
  });
});
