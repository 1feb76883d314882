import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layering rule lives in eslint.config.js; this test puts it in `npm test`, so CI fails on a
// new upward import even where nobody runs the linter.
const eslint = new ESLint();

async function restricted(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layering (DESIGN §2)', () => {
  it('src has no upward import', async () => {
    const results = await eslint.lintFiles(['src/**/*.ts']);
    const violations = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => `${r.filePath}:${m.line} ${m.message}`));
    expect(violations).toEqual([]);
  });

  it.each([
    ['src/core/example.ts', "import { startRun } from '../jobs/runs.ts';"],
    ['src/core/example.ts', "import type { AppContext } from '../context.ts';"],
    ['src/providers/example.ts', "import { park } from '../jobs/stage-runner.ts';"],
    ['src/providers/example.ts', "import { esc } from '../bot/format.ts';"],
    ['src/jobs/example.ts', "import { register } from '../interactive/index.ts';"],
    ['src/jobs/example.ts', "import { createWebhookQueue } from '../webhooks/queue.ts';"],
    ['src/bot/example.ts', "import { register } from '../commands/index.ts';"],
  ])('refuses %s importing upward: %s', async (file, code) => {
    expect(await restricted(code, file)).toHaveLength(1);
  });

  it('allows imports that flow inward', async () => {
    expect(await restricted("import { park } from '../core/queue.ts';", 'src/jobs/example.ts')).toEqual([]);
    expect(await restricted("import { esc } from './format.ts';", 'src/bot/example.ts')).toEqual([]);
    expect(await restricted("import { createKeys } from '../core/keys.ts';", 'src/providers/example.ts')).toEqual([]);
  });
});
