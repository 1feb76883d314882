import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * One no-restricted-imports rule for a folder: no import of the named sibling folders, and (when
 * `noTopLevel`) none of the top-level composition files (context, main, server, slack-app, health).
 */
function layer(files, forbidden, noTopLevel) {
  const patterns = [{ regex: `^(\\.\\./)+(${forbidden.join('|')})/`, message: `${files.split('/')[1]} must not import ${forbidden.join(', ')} (DESIGN §2 layering)` }];
  if (noTopLevel) patterns.push({ regex: '^(\\.\\./)+[a-z-]+\\.ts$', message: 'the bottom floors must not import the composition root (src/*.ts)' });
  return [{ files: [files], rules: { 'no-restricted-imports': ['error', { patterns }] } }];
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The pipeline bench's phases run the built dist/ in plain JavaScript, with Node's timers.
  { files: ['bench/**/*.js'], languageOptions: { globals: { performance: 'readonly', setTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly' } } },
  // Layering (DESIGN §2): dependencies flow inward, so a new upward import fails CI. core is the
  // bottom floor; providers sit on core; jobs on core and providers; the Slack bot never reaches
  // into the listeners that register on it.
  ...layer('src/core/**/*.ts', ['jobs', 'providers', 'webhooks', 'bot', 'commands', 'interactive', 'cli'], true),
  ...layer('src/providers/**/*.ts', ['jobs', 'webhooks', 'bot', 'commands', 'interactive', 'cli'], true),
  ...layer('src/jobs/**/*.ts', ['webhooks', 'bot', 'commands', 'interactive', 'cli'], true),
  ...layer('src/bot/**/*.ts', ['commands', 'interactive', 'cli'], false),
  // Logs in src go through pino; the CLI prints its tables and bench prints results on purpose.
  { files: ['src/**/*.ts'], ignores: ['src/cli.ts', 'src/main.ts'], rules: { 'no-console': 'error' } },
);
