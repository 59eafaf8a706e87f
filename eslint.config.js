import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'build', 'data', 'coverage', '.tools'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '^(fs|path|crypto|http|https|url|os|util|zlib|stream|net|events|child_process|cluster|timers)(/.*)?$',
              message: 'Use the node: prefix.',
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      'src/oauth/**',
      'src/policy/**',
      'src/keys/**',
      'src/store/**',
      'src/audit/**',
      'src/config/**',
      'src/sdk/**',
    ],
    // The kit's fastify adapter is the one file of src/sdk that may name fastify (types only).
    ignores: ['src/sdk/fastify.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'fastify', message: 'Core modules never import fastify (see docs/architecture).' }],
        },
      ],
    },
  },
);
