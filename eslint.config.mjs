import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [ 'node_modules/', '**/*.js', '**/*.d.ts', '!scripts/*.js', '!bench/*.js', '!bench/*-app/**/*.js', '!bench/lib/*.js', '!test/egg4/**/*.js', 'bench/logs/', 'bench/run/', 'test/fixtures/**/node_modules/', 'coverage/', 'lib/validators/*.generated.ts' ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': [ 'error', { ignoreRestArgs: true } ],
      eqeqeq: [ 'error', 'always' ],
      'no-console': 'error',
      'prefer-const': 'error',
    },
  },
  {
    // Tests read egg-mock objects whose typings are narrower than the runtime (documented egg-mock 5 limits).
    files: [ 'test/**/*.ts' ],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The egg 4 compatibility suite: CommonJS tests and fixtures, and one ES module app.
    files: [ 'test/egg4/**/*.js' ],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node, ...globals.mocha } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: [ 'test/egg4/test/fixtures/apps/esm-app/**/*.js' ],
    languageOptions: { sourceType: 'module' },
    rules: { 'no-console': 'off' },
  },
  {
    files: [ 'scripts/*.js', 'bench/**/*.js' ],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-console': 'off', 'no-redeclare': [ 'error', { builtinGlobals: false } ] },
  },
);
