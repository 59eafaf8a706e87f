/**
 * Two ESLint rules that keep the arrows of docs/architecture.md pointing one way:
 *
 * - `layering/imports`: a file of one folder imports nothing its folder may not import (the
 *   table is in eslint.config.js, one row per folder, each with the reason the docs give).
 * - `layering/no-cycle`: no file is part of an import cycle (type-only imports count: a cycle of
 *   types is a knot a reader has to untie all the same).
 *
 * Hand-written rather than eslint-plugin-import-x's `no-restricted-paths`/`no-cycle` or
 * dependency-cruiser: both need a TypeScript resolver to map `./x.js` to `./x.ts`, and the whole of
 * what is checked here is relative imports between the repository's own files, which
 * `path.resolve` and TypeScript's own `preProcessFile` (a devDependency already) answer exactly.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** A path relative to the repository root, with forward slashes. */
function repoPath(absolute) {
  return relative(ROOT, absolute).split(sep).join('/');
}

/** The repository file an import names, or undefined for a package (`jose`, `node:fs`). */
export function resolveImport(fromRepoPath, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const target = repoPath(resolve(ROOT, dirname(fromRepoPath), specifier));
  return target.replace(/\.js$/, '.ts');
}

/** Does a repository path fall under one of the patterns (`dir/` a folder, anything else one file)? */
export function matches(path, patterns) {
  return patterns.some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p));
}

/** `packages/<name>/` for a file of a workspace package. */
function packageOf(path) {
  const m = /^packages\/[^/]+\//.exec(path);
  return m?.[0];
}

const imports = {
  meta: {
    type: 'problem',
    docs: { description: 'imports follow the folder layering of docs/architecture.md' },
    schema: [
      {
        type: 'object',
        properties: {
          rules: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                from: { type: 'array', items: { type: 'string' } },
                except: { type: 'array', items: { type: 'string' } },
                deny: { type: 'array', items: { type: 'string' } },
                allow: { type: 'array', items: { type: 'string' } },
                because: { type: 'string' },
              },
              required: ['from', 'deny', 'because'],
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
    ],
  },
  create(context) {
    const file = repoPath(context.filename);
    const rows = (context.options[0]?.rules ?? []).filter(
      (r) => matches(file, r.from) && !matches(file, r.except ?? []),
    );
    const pkg = packageOf(file);
    const check = (node, specifier) => {
      if (typeof specifier !== 'string') return;
      const target = resolveImport(file, specifier);
      if (target === undefined) return;
      if (pkg !== undefined && !target.startsWith(pkg)) {
        context.report({
          node,
          message: `${file} imports ${target}, outside its package ${pkg}: a package imports only itself and its dependencies (docs/architecture.md).`,
        });
        return;
      }
      const row = rows.find((r) => matches(target, r.deny) && !matches(target, r.allow ?? []));
      if (row !== undefined)
        context.report({
          node,
          message: `${file} may not import ${target}: ${row.because} (docs/architecture.md).`,
        });
    };
    const source = (node) => check(node, node.source?.value);
    return {
      ImportDeclaration: source,
      ExportNamedDeclaration: source,
      ExportAllDeclaration: source,
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source.value : undefined),
    };
  },
};

/** Every `.ts` file below the given folders (repository paths). */
function sourceFiles(folders) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(join(ROOT, dir))) {
      const path = `${dir}/${entry}`;
      if (statSync(join(ROOT, path)).isDirectory()) {
        if (entry !== 'node_modules' && entry !== 'dist') walk(path);
      } else if (path.endsWith('.ts')) out.push(path);
    }
  };
  for (const f of folders) if (statExists(f)) walk(f);
  return out;
}

function statExists(path) {
  try {
    return statSync(join(ROOT, path)).isDirectory();
  } catch {
    return false;
  }
}

/** The import graph of the repository's own files: file → files it imports (static, dynamic, type). */
export function importGraph(files, read = (f) => readFileSync(join(ROOT, f), 'utf8')) {
  const known = new Set(files);
  const graph = new Map();
  for (const file of files) {
    const info = ts.preProcessFile(read(file), true, true);
    const targets = info.importedFiles
      .map((i) => resolveImport(file, i.fileName))
      .filter((t) => t !== undefined && known.has(t));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/**
 * The import cycles of a graph: its strongly connected components of more than one file, or of a
 * file importing itself (Tarjan's algorithm), each as a list of files in the order they import.
 */
export function findCycles(graph) {
  let index = 0;
  const indices = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  const visit = (v) => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), indices.get(w)));
    }
    if (low.get(v) === indices.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.reverse());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return cycles;
}

let cyclesByFile;
/** The cycle each file is on, computed once per ESLint run over src/ and packages/. */
function cycleOf(file) {
  if (cyclesByFile === undefined) {
    const packages = statExists('packages')
      ? readdirSync(join(ROOT, 'packages')).map((p) => `packages/${p}/src`)
      : [];
    cyclesByFile = new Map();
    for (const cycle of findCycles(importGraph(sourceFiles(['src', ...packages]))))
      for (const f of cycle) cyclesByFile.set(f, cycle);
  }
  return cyclesByFile.get(file);
}

const noCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'no file is on an import cycle' },
    schema: [],
  },
  create(context) {
    const file = repoPath(context.filename);
    return {
      Program(node) {
        const cycle = cycleOf(file);
        if (cycle !== undefined)
          context.report({
            node,
            message: `${file} is on an import cycle: ${cycle.join(' → ')} → ${cycle[0]}; move what both need below both (docs/architecture.md).`,
          });
      },
    };
  },
};

export default { meta: { name: 'layering' }, rules: { imports, 'no-cycle': noCycle } };
