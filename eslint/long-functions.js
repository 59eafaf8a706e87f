/**
 * `size/max-lines-per-function`: ESLint's own `max-lines-per-function`, its message naming the
 * function by a stable key (`path:name`) and saying what to do (issue #11: "every handler under ~60
 * lines"). It exempts none: the list of functions exempt while they were split only shrank, and
 * went away once it was empty.
 *
 * A function's name is its own (declaration, variable, property, method or assignment target); an
 * anonymous one (a callback) is keyed by the nearest named function around it, `outer>(anonymous)`,
 * or `(anonymous)` at the top of a file.
 */
import { dirname, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinRules } from 'eslint/use-at-your-own-risk';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const core = builtinRules.get('max-lines-per-function');

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
    docs: { description: 'functions stay short' },
    schema: [
      {
        type: 'object',
        properties: {
          max: { type: 'integer', minimum: 0 },
          skipBlankLines: { type: 'boolean' },
          skipComments: { type: 'boolean' },
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
    const file = relative(ROOT, context.physicalFilename).split(sep).join('/');
    const inner = Object.create(context, {
      report: {
        value(descriptor) {
          // The core rule reports a method on its property or definition, the rest on themselves.
          const fn = FUNCTION.has(descriptor.node.type) ? descriptor.node : descriptor.node.value;
          const key = `${file}:${functionKey(fn)}`;
          context.report({ node: descriptor.node, messageId: 'exceed', data: { ...descriptor.data, key } });
        },
      },
    });
    return core.create(inner);
  },
};

export default { rules: { 'max-lines-per-function': maxLinesPerFunction } };
