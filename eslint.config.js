import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layering from './eslint/layering.js';
import size from './eslint/long-functions.js';

const nodePrefix = {
  regex:
    '^(fs|path|crypto|http|https|url|os|util|zlib|stream|net|events|child_process|cluster|timers)(/.*)?$',
  message: 'Use the node: prefix.',
};

/** The ground floor every folder may stand on. */
const GROUND = ['src/log.ts', 'src/text.ts'];
/** Commands: entry points like main.ts, above every folder they live in. */
const COMMANDS = [
  'src/cli.ts',
  'src/audit/cli.ts',
  'src/keys/cli.ts',
  'src/keys/connectors-cli.ts',
  'src/policy/cli/',
];
const TOP = ['src/main.ts', 'src/service.ts', 'src/wiring/', ...COMMANDS];

/**
 * The layering of docs/architecture.md, one row per folder: a file matching `from` (and not
 * `except`) may not import a file matching `deny` unless it matches `allow`.
 */
const LAYERS = [
  {
    from: GROUND,
    deny: ['src/'],
    allow: GROUND,
    because: 'the ground floor stands on nothing of the service',
  },
  {
    from: ['src/store/'],
    deny: ['src/'],
    allow: ['src/store/', ...GROUND],
    because: 'the store is the ground floor and imports nothing above it',
  },
  {
    from: ['src/keys/'],
    except: COMMANDS,
    deny: ['src/'],
    allow: ['src/keys/', 'src/store/', ...GROUND],
    because: 'keys stand on the store alone',
  },
  {
    from: ['src/policy/'],
    except: COMMANDS,
    deny: ['src/'],
    allow: ['src/policy/', 'src/store/', ...GROUND],
    because: 'the decision service knows nothing of OAuth, audit or HTTP: only its bundles',
  },
  {
    from: ['src/audit/'],
    except: COMMANDS,
    deny: ['src/'],
    allow: ['src/audit/', 'src/store/', 'src/policy/contract.ts', ...GROUND],
    because: 'the audit stands on the store and records decisions in the decision contract’s shape',
  },
  {
    from: ['src/oauth/'],
    deny: ['src/'],
    allow: ['src/oauth/', 'src/policy/', 'src/keys/', 'src/store/', 'src/audit/', ...GROUND],
    because:
      'the protocol core stands on policy, keys, store and audit, never on HTTP, login or configuration',
  },
  {
    from: ['src/oauth/tokens/', 'src/oauth/clients/', 'src/oauth/errors.ts', 'src/oauth/params.ts'],
    deny: [
      'src/oauth/grants/',
      'src/oauth/endpoints/',
      'src/oauth/authorize/',
      'src/oauth/id-jag/',
      'src/oauth/decisions/',
      'src/oauth/issuance/',
      'src/oauth/context.ts',
      'src/oauth/token-request.ts',
      'src/oauth/first-hop.ts',
      'src/oauth/endpoint-urls.ts',
      'src/oauth/audit-record.ts',
      'src/oauth/rate-limit.ts',
      'src/oauth/protected-resources.ts',
      'src/oauth/workload/',
      'src/oauth/approvals/',
      'src/oauth/connectors/',
      'src/oauth/authzen/',
    ],
    because: 'tokens and clients are the building blocks the grants and endpoints use',
  },
  {
    from: [
      'src/oauth/tokens/',
      'src/oauth/errors.ts',
      'src/oauth/params.ts',
      'src/oauth/refusals.ts',
      'src/oauth/refusals-doc.ts',
    ],
    deny: ['src/oauth/clients/'],
    because: 'clients stand on tokens (client assertions are JWTs), not the reverse',
  },
  {
    from: [
      'src/oauth/errors.ts',
      'src/oauth/params.ts',
      'src/oauth/refusals.ts',
      'src/oauth/refusals-doc.ts',
    ],
    deny: ['src/oauth/tokens/'],
    because: 'errors, parameters and refusal reasons are the floor of the protocol core',
  },
  {
    from: [
      'src/oauth/context.ts',
      'src/oauth/token-request.ts',
      'src/oauth/first-hop.ts',
      'src/oauth/endpoint-urls.ts',
      'src/oauth/audit-record.ts',
      'src/oauth/rate-limit.ts',
      'src/oauth/protected-resources.ts',
    ],
    deny: [
      'src/oauth/grants/',
      'src/oauth/endpoints/',
      'src/oauth/authorize/',
      'src/oauth/authzen/',
      'src/oauth/id-jag/',
      'src/oauth/workload/',
      'src/oauth/connectors/',
      'src/oauth/approvals/',
      'src/oauth/decisions/',
      'src/oauth/issuance/',
    ],
    allow: ['src/oauth/workload/trust.ts', 'src/oauth/approvals/notice.ts'],
    because:
      'the shared contract holds the ports every part is given; of the parts above it, it names only the types of the workload trust it holds and the approval notice its webhook port takes',
  },
  {
    from: [
      'src/oauth/decisions/',
      'src/oauth/issuance/',
      'src/oauth/id-jag/',
      'src/oauth/workload/',
      'src/oauth/approvals/',
      'src/oauth/connectors/',
    ],
    deny: ['src/oauth/grants/', 'src/oauth/endpoints/', 'src/oauth/authorize/', 'src/oauth/authzen/'],
    because:
      'decisions, issuance, ID-JAGs, workload federation and approvals serve the grants, not the other way round',
  },
  {
    from: ['src/oauth/decisions/', 'src/oauth/issuance/'],
    deny: ['src/oauth/id-jag/', 'src/oauth/approvals/'],
    because:
      'the ID-JAG issuer and approvals decide and issue through decisions and issuance, never the reverse',
  },
  {
    from: ['src/oauth/id-jag/', 'src/oauth/approvals/', 'src/oauth/decisions/', 'src/oauth/issuance/'],
    deny: ['src/oauth/workload/', 'src/oauth/connectors/'],
    because: 'workload federation and connectors build on ID-JAGs, decisions and issuance, never the reverse',
  },
  {
    from: ['src/oauth/grants/'],
    deny: ['src/oauth/endpoints/', 'src/oauth/authorize/', 'src/oauth/authzen/'],
    because: 'the endpoints dispatch to the grants',
  },
  {
    from: ['src/config/'],
    deny: ['src/'],
    allow: ['src/config/', 'src/oauth/', 'src/policy/', 'src/keys/', 'src/audit/', 'src/store/', ...GROUND],
    because: 'configuration is checked with the core’s own rules, and nothing of the core reads it',
  },
  {
    from: ['src/ui/', 'src/federation/'],
    deny: ['src/'],
    allow: ['src/ui/', 'src/federation/', 'src/oauth/', 'src/store/', ...GROUND],
    because: 'login and pages serve the HTTP layer, on the core’s ports',
  },
  {
    from: ['src/ops/'],
    deny: ['src/'],
    allow: ['src/ops/', 'src/oauth/', 'src/policy/', 'src/audit/', 'src/store/', 'src/config/', ...GROUND],
    because:
      'observability stands on the core’s ports; the HTTP layer and the composition root install it, never the reverse',
  },
  {
    from: ['src/http/'],
    deny: TOP,
    because: 'the HTTP layer is wired by the composition root, never the reverse',
  },
];

/**
 * Functions stay under 60 lines (issue #11), every one: test/eslint/long-functions.test.ts fails on a
 * longer one in src/ or the kit, an eslint-disable comment notwithstanding.
 */
const FUNCTION_SIZE = { max: 60, skipBlankLines: true, skipComments: true };

const kitAdapters = ['packages/mcp-kit/src/express.ts', 'packages/mcp-kit/src/fastify.ts'];

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'packages/*/dist', 'build', 'data', 'coverage', '.tools'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [nodePrefix] }],
    },
  },
  {
    files: ['src/**/*.ts', 'packages/*/src/**/*.ts'],
    plugins: { layering },
    rules: {
      'layering/imports': ['error', { rules: LAYERS }],
      'layering/no-cycle': 'error',
    },
  },
  {
    files: ['src/**/*.ts', 'packages/mcp-kit/src/**/*.ts'],
    plugins: { size },
    rules: { 'size/max-lines-per-function': ['error', FUNCTION_SIZE] },
  },
  {
    files: [
      'src/oauth/**',
      'src/policy/**',
      'src/keys/**',
      'src/store/**',
      'src/audit/**',
      'src/config/**',
      'packages/mcp-kit/src/**',
    ],
    // The kit's fastify adapter is the one file of the kit that may name fastify (types only).
    ignores: ['packages/mcp-kit/src/fastify.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [nodePrefix],
          paths: [{ name: 'fastify', message: 'Core modules never import fastify (docs/architecture.md).' }],
        },
      ],
    },
  },
  // The MCP server kit is its own package (layering keeps it inside it): of other packages it
  // imports node: and jose only; its two adapters also name their optional framework peers.
  ...[
    { files: ['packages/mcp-kit/src/**'], ignores: kitAdapters, peers: '' },
    { files: kitAdapters, peers: 'express$|fastify$|' },
  ].map(({ peers, ...scope }) => ({
    ...scope,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            nodePrefix,
            {
              regex: `^(?!node:|jose$|${peers}\\.)`,
              message:
                'The kit depends on jose only (express and fastify are optional peers of its adapters).',
            },
          ],
        },
      ],
    },
  })),
);
