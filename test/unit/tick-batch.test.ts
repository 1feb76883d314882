import { describe, expect, it } from 'vitest';
import { tickBatch } from '../../src/core/tick-batch.ts';

describe('tickBatch', () => {
  it('runs the calls of one tick as one batch and gives each caller its own result', async () => {
    const batches: number[][] = [];
    const double = tickBatch(async (items: number[]) => {
      batches.push(items);
      return items.map((n) => n * 2);
    });
    expect(await Promise.all([double(1), double(2), double(3)])).toEqual([2, 4, 6]);
    expect(await double(4)).toBe(8);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('fails every call of a batch that fails', async () => {
    const failing = tickBatch(async (): Promise<number[]> => {
      throw new Error('redis down');
    });
    const results = await Promise.allSettled([failing(1), failing(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
