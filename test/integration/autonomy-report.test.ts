import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { afterEach, describe, expect, it } from 'vitest';
import { renderReport } from '../../src/core/report-html.ts';
import { createSegmentKpis, daysEnding, type EmailMetric } from '../../src/core/segment-kpis.ts';
import { startRun } from '../../src/jobs/runs.ts';
import { loadReportData } from '../../src/jobs/autonomy-report.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

function elements(node: Node, out: Element[] = []): Element[] {
  if ('tagName' in node) out.push(node);
  if ('childNodes' in node) for (const child of node.childNodes) elements(child, out);
  if ('content' in node && node.content) elements(node.content, out);
  return out;
}
const attr = (el: Element, name: string) => el.attrs.find((a) => a.name === name)?.value;
const chart = (all: Element[], id: string) => {
  const svg = all.find((e) => e.tagName === 'svg' && attr(e, 'data-chart') === id);
  if (!svg) throw new Error(`no chart ${id}`);
  return elements(svg).filter((e) => attr(e, 'class') === 'point');
};

describe('caio report', () => {
  it('renders a self-contained HTML report whose chart points are the counters', { timeout: 60_000 }, async () => {
    h = await createHarness('autonomy-report');
    const { ctx } = h;
    h.startWorkers();
    const { runId } = await startRun(ctx, { source: 'event_saastr', limit: 8, startedBy: 'UAPPROVER1' });
    const run = await h.waitForRun(runId, ['completed']);

    const now = new Date();
    const days = daysEnding(now, 30);
    const kpis = createSegmentKpis(ctx.redis, ctx.keys);
    // Day i of the last week: 10 + i sends, i opens, one reply every other day, a bounce on the last day.
    const expected: Record<string, Record<EmailMetric, number>> = {};
    let id = 0;
    for (let i = 0; i < 7; i++) {
      const day = days[days.length - 7 + i]!;
      const counts = { sent: 10 + i, opened: i, replied: i % 2, bounced: i === 6 ? 1 : 0, unsubscribed: 0, positive: 0 };
      expected[day] = counts;
      for (const [metric, n] of Object.entries(counts) as [EmailMetric, number][]) {
        for (let k = 0; k < n; k++) await kpis.recordEmailEvent({ eventId: `e${++id}`, segment: i < 3 ? 'default/A' : 'event_saastr/B', metric, day, campaignId: 'c1' });
      }
    }
    for (let i = 0; i < 4; i++) await kpis.recordDecision('default/A', i === 3 ? 'rejected' : 'approved', now);
    await kpis.recordDecision('event_saastr/B', 'edited', now);
    await ctx.redis.set(ctx.keys.creditUsage('clay_credits', days.at(-2)!), '13');
    await ctx.redis.set(ctx.keys.creditUsage('apollo_reveals', days.at(-1)!), '4');

    const html = renderReport(await loadReportData(ctx, now));
    // Self-contained: no script, no external resource.
    expect(html).not.toMatch(/<script|<link|src=|href=|@import|url\(/i);
    const all = elements(parse(html));
    expect(all.find((e) => e.tagName === 'title')).toBeDefined();

    // Sends, opens, replies and bounces per day are the day counters.
    const volume = chart(all, 'volume');
    for (const metric of ['sent', 'opened', 'replied', 'bounced'] as const) {
      const points = Object.fromEntries(volume.filter((p) => attr(p, 'data-series') === metric).map((p) => [attr(p, 'data-day'), Number(attr(p, 'data-value'))]));
      expect(Object.keys(points)).toHaveLength(30);
      for (const day of days) expect(points[day]).toBe(expected[day]?.[metric] ?? 0);
    }
    // The open rate per day, with the gate's threshold drawn.
    const open = chart(all, 'open_rate');
    expect(open.map((p) => [attr(p, 'data-day'), Number(attr(p, 'data-value'))])).toEqual(
      Object.entries(expected).map(([day, c]) => [day, Number((c.opened / c.sent).toFixed(4))]),
    );
    const threshold = all.find((e) => attr(e, 'class') === 'threshold' && attr(e, 'data-threshold') === '0.5000');
    expect(threshold).toBeDefined();
    // The funnel is the run's stage counters.
    const funnel = Object.fromEntries(chart(all, 'funnel').map((p) => [attr(p, 'data-label'), Number(attr(p, 'data-value'))]));
    expect(funnel).toEqual(Object.fromEntries(Object.entries(run.stages).map(([stage, s]) => [stage, s.out])));
    // Approval shares per segment.
    const seg = chart(all, 'segments').map((p) => [attr(p, 'data-segment'), attr(p, 'data-series'), Number(attr(p, 'data-value'))]);
    expect(seg).toContainEqual(['default/A', 'approved unedited', 0.75]);
    expect(seg).toContainEqual(['default/A', 'rejected', 0.25]);
    expect(seg).toContainEqual(['event_saastr/B', 'edited', 1]);
    // Credit spend per day and budget.
    const credits = chart(all, 'credits').map((p) => [attr(p, 'data-day'), attr(p, 'data-series'), Number(attr(p, 'data-value'))]);
    expect(credits).toContainEqual([days.at(-2), 'clay_credits', 13]);
    expect(credits).toContainEqual([days.at(-1), 'apollo_reveals', 4]);
    // The gate table: one row per gate.
    expect(all.filter((e) => e.tagName === 'tr' && attr(e, 'data-gate')).map((e) => attr(e, 'data-gate'))).toEqual([
      'runs',
      'icp_match',
      'open_rate',
      'reply_rate',
      'bounce_rate',
      'days_without_intervention',
      'annealing',
    ]);
  });
});
