/**
 * `size/max-lines-per-function`: ESLint's own `max-lines-per-function`, with a list of functions
 * exempt from it (issue #11: "every handler under ~60 lines"). The list, eslint/long-functions.txt,
 * names the functions not yet split, one `path:name` a line, and only ever shrinks:
 * test/eslint/long-functions.test.ts fails when a listed function no longer needs its exemption.
 *
 * A function's name is its own (declaration, variable, property, method or assignment target); an
 * anonymous one (a callback) is keyed by the nearest named function around it, `outer>(anonymous)`,
 * or `(anonymous)` at the top of a file. Two functions of one file with one key share an entry.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinRules } from 'eslint/use-at-your-own-risk';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const core = builtinRules.get('max-lines-per-function');

/** The entries of a list file: one a line, `#` comments and blank lines ignored. */
export function readList(path) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function keyName(key) {
  if (!key) return undefined;
  if (key.type === 'Identifier' || key.type === 'PrivateIdentifier') return key.name;
  if (key.type === 'Literal') return String(key.value);
  return undefined;
}

/** A function's own name, or undefined for an anonymous one. */
export function ownName(node) {
  if (node.id?.name) return node.id.name;
  const parent = node.parent;
  if (!parent) return undefined;
  switch (parent.type) {
    case 'VariableDeclarator':
      return parent.id.type === 'Identifier' ? parent.id.name : undefined;
    case 'Property':
    case 'MethodDefinition':
    case 'PropertyDefinition':
      return parent.value === node ? keyName(parent.key) : undefined;
    case 'AssignmentExpression':
      if (parent.right !== node) return undefined;
      if (parent.left.type === 'Identifier') return parent.left.name;
      if (parent.left.type === 'MemberExpression') return keyName(parent.left.property);
      return undefined;
    default:
      return undefined;
  }
}

const FUNCTION = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

/** The key of a function in the list: `name`, `outer>(anonymous)` or `(anonymous)`. */
export function functionKey(node) {
  const own = ownName(node);
  if (own) return own;
  for (let up = node.parent; up; up = up.parent) {
    if (FUNCTION.has(up.type)) {
      const outer = ownName(up);
      if (outer) return `${outer}>(anonymous)`;
    }
  }
  return '(anonymous)';
}

const maxLinesPerFunction = {
  meta: {
    type: 'suggestion',
    docs: { description: 'functions stay short, but for the listed ones not yet split' },
    schema: [
      {
        type: 'object',
        properties: {
          max: { type: 'integer', minimum: 0 },
          skipBlankLines: { type: 'boolean' },
          skipComments: { type: 'boolean' },
          exempt: { type: 'array', items: { type: 'string' } },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      exceed:
        'Function `{{key}}` has too many lines ({{lineCount}}). Maximum allowed is {{maxLines}}: split it into named functions.',
    },
  },
  create(context) {
    const { exempt = [], ...options } = context.options[0] ?? {};
    const file = relative(ROOT, context.physicalFilename).split(sep).join('/');
    const skip = new Set(exempt);
    const inner = Object.create(context, {
      options: { value: [options] },
      report: {
        value(descriptor) {
          // The core rule reports a method on its property or definition, the rest on themselves.
          const fn = FUNCTION.has(descriptor.node.type) ? descriptor.node : descriptor.node.value;
          const key = `${file}:${functionKey(fn)}`;
          if (skip.has(key)) return;
          context.report({ node: descriptor.node, messageId: 'exceed', data: { ...descriptor.data, key } });
        },
      },
    });
    return core.create(inner);
  },
};

export default { rules: { 'max-lines-per-function': maxLinesPerFunction } };
