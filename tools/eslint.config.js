// `npm run lint`: neostandard (the Standard style as an ESLint flat config) with its TypeScript rules
// (typescript-eslint), for the hub's code. It lives here, beside its own TypeScript 5, because
// typescript-eslint needs TypeScript's compiler API and the hub's TypeScript 7 has none.
import neostandard, { plugins } from 'neostandard'
import globals from 'globals'

export default [
  // generated from the JSON Schemas (npm run types:generate); installed or built elsewhere
  { ignores: ['**/*.generated.ts', '**/node_modules/**', 'tools/**', 'data/**', '.tap/**'] },
  ...neostandard({ ts: true }),
  {
    rules: {
      // `void promise` marks a promise deliberately not awaited (its errors are handled where it is
      // made); as a statement only, as in ts-standard
      'no-void': ['error', { allowAsStatement: true }]
    }
  },
  {
    files: ['**/*.ts'],
    plugins: { '@typescript-eslint': plugins['typescript-eslint'].plugin },
    rules: {
      // a leading underscore names what is there to be left unused (a rest sibling left out, a loop's key)
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_' }]
    }
  },
  {
    // the dashboard's script runs in the browser, with chart.js loaded before it
    files: ['src/web/**/*.js'],
    languageOptions: { globals: { ...globals.browser, Chart: 'readonly' } }
  }
]
