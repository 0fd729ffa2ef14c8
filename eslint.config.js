// @ts-check
// typescript-eslint with type information: the promise rules need the type checker to see that
// a call returns a Promise, which a syntax-only linter can only guess.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.data/', 'test-output/', 'test/support/api-types.generated.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // A shutdown handler that reads a resource before it is started is the reason a `let` stays.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // What the functions bundle: zod's named `z` is a namespace object esbuild cannot tree-shake,
    // so it brought every locale (264 KB) into every function (bench/cold-start.ts).
    files: ['domain/**', 'functions/**', 'infra/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "ImportDeclaration[source.value='zod'] > :matches(ImportSpecifier[imported.name='z'], ImportDefaultSpecifier)",
          message: "import * as z from 'zod': the named z keeps all of zod's locales in the bundle",
        },
      ],
    },
  },
  {
    // Tests and benches read JSON answers of any shape; the product code may not.
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
