import { pct, verdict, type AutonomyReport, type SegmentRow } from './autonomy.ts';
import { metricOf, type Counters, type Metric } from './segment-kpis.ts';

/**
 * `caio report --out report.html` (issue 12, point 5): one self-contained HTML file, inline SVG
 * charts, no script and no network, so it opens anywhere. Every data point carries its value in
 * `data-*` attributes (what the chart draws is what the counters say, and a test can check it).
 */

export interface ReportData {
  generated_at: string;
  window_days: number;
  report: AutonomyReport;
  segments: SegmentRow[];
  /** Counters per UTC day, oldest first. */
  days: { day: string; counters: Counters }[];
  /** Leads in and out of each stage, summed over the recent runs. */
  funnel: { stage: string; in: number; out: number; dropped: number; errors: number }[];
  runs: number;
  /** Credits spent per UTC day and budget. */
  credits: { day: string; budget: string; used: number }[];
  thresholds: { open_rate: number; reply_rate: number; bounce_rate: number; icp_match_rate: number };
}

const escHtml = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const num = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(4));
const COLORS = ['#2b6cb0', '#38a169', '#d69e2e', '#e53e3e', '#805ad5', '#319795'];

const W = 640;
const H = 220;
const PAD = { left: 48, right: 12, top: 12, bottom: 36 };

/** A horizontal bar per item (the funnel). */
function hbarChart(id: string, items: { label: string; value: number }[]): string {
  const rowH = 26;
  const height = PAD.top + items.length * rowH + 8;
  const max = Math.max(1, ...items.map((i) => i.value));
  const left = 110;
  const bars = items
    .map((item, i) => {
      const w = ((W - left - 60) * item.value) / max;
      const y = PAD.top + i * rowH;
      return `<g><text x="${left - 8}" y="${y + 16}" text-anchor="end">${escHtml(item.label)}</text><rect class="point" data-label="${escHtml(item.label)}" data-value="${item.value}" x="${left}" y="${y + 3}" width="${num(w)}" height="${rowH - 8}" fill="${COLORS[0]}"/><text x="${num(left + w + 6)}" y="${y + 16}">${item.value}</text></g>`;
    })
    .join('');
  return `<svg class="chart" data-chart="${id}" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="${id}">${bars}</svg>`;
}

/** One line per series over the days, a dashed line at the threshold; a day without data has no point. */
function lineChart(id: string, days: string[], series: { name: string; values: (number | null)[] }[], options: { threshold?: number; percent?: boolean } = {}): string {
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = Math.max(options.percent ? Math.max(options.threshold ?? 0, 0.0001) : 1, ...all) * 1.1;
  const x = (i: number) => PAD.left + (days.length <= 1 ? 0 : ((W - PAD.left - PAD.right) * i) / (days.length - 1));
  const y = (v: number) => PAD.top + (H - PAD.top - PAD.bottom) * (1 - v / max);
  const label = (v: number) => (options.percent ? pct(v, 0) : String(Math.round(v)));
  const axis = `<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="#999"/><text x="4" y="${num(y(max / 1.1) + 4)}">${label(max / 1.1)}</text><text x="4" y="${H - PAD.bottom}">0</text>`;
  const ticks = days
    .map((d, i) => (i % Math.max(1, Math.ceil(days.length / 7)) === 0 || i === days.length - 1 ? `<text x="${num(x(i))}" y="${H - 12}" text-anchor="middle">${d.slice(5)}</text>` : ''))
    .join('');
  const threshold =
    options.threshold !== undefined
      ? `<line class="threshold" data-threshold="${num(options.threshold)}" x1="${PAD.left}" x2="${W - PAD.right}" y1="${num(y(options.threshold))}" y2="${num(y(options.threshold))}" stroke="#e53e3e" stroke-dasharray="6 4"/><text x="${W - PAD.right}" y="${num(y(options.threshold) - 4)}" text-anchor="end" fill="#e53e3e">gate ${label(options.threshold)}</text>`
      : '';
  const lines = series
    .map((s, si) => {
      const color = COLORS[si % COLORS.length];
      const pts = s.values.map((v, i) => (v === null ? null : { i, v }));
      const path = pts
        .filter((p): p is { i: number; v: number } => p !== null)
        .map((p, k) => `${k === 0 ? 'M' : 'L'}${num(x(p.i))},${num(y(p.v))}`)
        .join(' ');
      const circles = pts
        .filter((p): p is { i: number; v: number } => p !== null)
        .map((p) => `<circle class="point" data-series="${escHtml(s.name)}" data-day="${days[p.i]}" data-value="${num(p.v)}" cx="${num(x(p.i))}" cy="${num(y(p.v))}" r="3" fill="${color}"><title>${escHtml(s.name)} ${days[p.i]}: ${label(p.v)}</title></circle>`)
        .join('');
      return `<g>${path ? `<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>` : ''}${circles}</g>`;
    })
    .join('');
  const legend = series.map((s, si) => `<span class="key" style="color:${COLORS[si % COLORS.length]}">■ ${escHtml(s.name)}</span>`).join(' ');
  return `<figure><svg class="chart" data-chart="${id}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${id}">${axis}${ticks}${threshold}${lines}</svg><figcaption>${legend}</figcaption></figure>`;
}

/** Stacked vertical bars: one bar per x, one segment per series (approval shares per segment, credits per day). */
function stackedBars(id: string, xs: string[], series: { name: string; values: number[] }[], options: { percent?: boolean; xAttr: string }): string {
  const totals = xs.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = options.percent ? 1 : Math.max(1, ...totals);
  const slot = (W - PAD.left - PAD.right) / Math.max(1, xs.length);
  const barW = Math.max(4, Math.min(48, slot * 0.7));
  const y = (v: number) => (H - PAD.top - PAD.bottom) * (v / max);
  const bars = xs
    .map((xv, i) => {
      let base = H - PAD.bottom;
      const x0 = PAD.left + slot * i + (slot - barW) / 2;
      const rects = series
        .map((s, si) => {
          const v = s.values[i] ?? 0;
          const h = y(v);
          base -= h;
          return `<rect class="point" data-${options.xAttr}="${escHtml(xv)}" data-series="${escHtml(s.name)}" data-value="${num(v)}" x="${num(x0)}" y="${num(base)}" width="${num(barW)}" height="${num(h)}" fill="${COLORS[si % COLORS.length]}"><title>${escHtml(xv)} ${escHtml(s.name)}: ${options.percent ? pct(v) : num(v)}</title></rect>`;
        })
        .join('');
      const label = xs.length <= 12 || i % Math.ceil(xs.length / 10) === 0 ? `<text x="${num(x0 + barW / 2)}" y="${H - 12}" text-anchor="middle">${escHtml(options.xAttr === 'day' ? xv.slice(5) : xv)}</text>` : '';
      return `<g>${rects}${label}</g>`;
    })
    .join('');
  const legend = series.map((s, si) => `<span class="key" style="color:${COLORS[si % COLORS.length]}">■ ${escHtml(s.name)}</span>`).join(' ');
  return `<figure><svg class="chart" data-chart="${id}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${id}"><line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="#999"/>${bars}</svg><figcaption>${legend}</figcaption></figure>`;
}

function gateRows(report: AutonomyReport): string {
  return report.gates
    .map(
      (g) =>
        `<tr class="gate ${g.status}" data-gate="${g.id}"><td>${escHtml(g.label)}</td><td>${escHtml(g.shown)}</td><td>${escHtml(g.threshold)}</td><td>${g.sample.n} ${escHtml(g.sample.unit)}</td><td>${escHtml(verdict(g))}</td></tr>`,
    )
    .join('');
}

/** Daily rate of `num` over `den` (null on a day without any `den`). */
function dailyRate(days: ReportData['days'], numerator: Metric[], denominator: Metric[]): (number | null)[] {
  return days.map(({ counters }) => {
    const n = numerator.reduce((sum, m) => sum + metricOf(counters, 'all', m), 0);
    const d = denominator.reduce((sum, m) => sum + metricOf(counters, 'all', m), 0);
    return d > 0 ? n / d : null;
  });
}

/** The whole report as one HTML document. */
export function renderReport(data: ReportData): string {
  const dayList = data.days.map((d) => d.day);
  const volume = (metric: Metric) => data.days.map(({ counters }) => metricOf(counters, 'all', metric));
  const segs = data.segments.filter((s) => s.kpis.decisions > 0 || s.decisions > 0);
  const share = (s: SegmentRow, m: 'approved' | 'edited' | 'rejected') => (s.kpis.decisions > 0 ? s.kpis[m] / s.kpis.decisions : 0);
  const budgets = [...new Set(data.credits.map((c) => c.budget))];
  const creditDays = [...new Set(data.credits.map((c) => c.day))].sort();
  const used = (day: string, budget: string) => data.credits.find((c) => c.day === day && c.budget === budget)?.used ?? 0;
  const r = data.report;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>CAIO report ${escHtml(data.generated_at.slice(0, 10))}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:720px;color:#1a202c}
h1{font-size:22px}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #e2e8f0}
table{border-collapse:collapse;width:100%}td,th{padding:4px 8px;border-bottom:1px solid #edf2f7;text-align:left}
tr.pass td:last-child{color:#2f855a}tr.fail td:last-child{color:#c53030;font-weight:600}tr.not_enough_data td:last-child{color:#975a16}
svg text{font-size:11px;fill:#4a5568}figure{margin:8px 0}figcaption{font-size:12px}.key{margin-right:12px}.muted{color:#718096}
</style>
</head>
<body>
<h1>CAIO autonomy report</h1>
<p class="muted">Generated ${escHtml(data.generated_at)} · rates over the last ${data.window_days} days (UTC) · ${data.runs} recent runs in the funnel</p>
<section id="gates">
<h2>Graduation gates — score ${r.score}/100 (${r.passed} of ${r.gates.length} pass)</h2>
<table><thead><tr><th>gate</th><th>value</th><th>threshold</th><th>sample</th><th>status</th></tr></thead><tbody>${gateRows(r)}</tbody></table>
<p class="muted">ICP match rate counts edits as matches (${r.kpis.edited} edited, ${r.kpis.rejected} rejected); positive-reply rate ${pct(r.kpis.positive_reply_rate)}.</p>
</section>
<section id="funnel">
<h2>Funnel per stage</h2>
${hbarChart('funnel', data.funnel.map((s) => ({ label: s.stage, value: s.out })))}
<p class="muted">Leads out of each stage, summed over the last ${data.runs} runs.</p>
</section>
<section id="kpis">
<h2>KPIs against the gates</h2>
${lineChart('open_rate', dayList, [{ name: 'open rate', values: dailyRate(data.days, ['opened'], ['sent']) }], { threshold: data.thresholds.open_rate, percent: true })}
${lineChart('reply_rate', dayList, [{ name: 'reply rate', values: dailyRate(data.days, ['replied'], ['sent']) }, { name: 'positive-reply rate', values: dailyRate(data.days, ['positive'], ['sent']) }], { threshold: data.thresholds.reply_rate, percent: true })}
${lineChart('bounce_rate', dayList, [{ name: 'bounce rate', values: dailyRate(data.days, ['bounced'], ['sent']) }], { threshold: data.thresholds.bounce_rate, percent: true })}
${lineChart('icp_match_rate', dayList, [{ name: 'ICP match rate', values: dailyRate(data.days, ['approved', 'edited'], ['approved', 'edited', 'rejected']) }], { threshold: data.thresholds.icp_match_rate, percent: true })}
</section>
<section id="volume">
<h2>Sends, opens, replies, bounces per day</h2>
${lineChart('volume', dayList, [
  { name: 'sent', values: volume('sent') },
  { name: 'opened', values: volume('opened') },
  { name: 'replied', values: volume('replied') },
  { name: 'bounced', values: volume('bounced') },
])}
</section>
<section id="segments">
<h2>Approval rates per segment</h2>
${segs.length > 0 ? stackedBars('segments', segs.map((s) => s.segment), [
  { name: 'approved unedited', values: segs.map((s) => share(s, 'approved')) },
  { name: 'edited', values: segs.map((s) => share(s, 'edited')) },
  { name: 'rejected', values: segs.map((s) => share(s, 'rejected')) },
], { percent: true, xAttr: 'segment' }) : '<p class="muted">No approval decisions yet.</p>'}
<table><thead><tr><th>segment</th><th>decisions</th><th>unedited</th><th>sent</th><th>reply</th><th>bounce</th><th>auto-approve</th></tr></thead><tbody>${segs
    .map((s) => `<tr data-segment="${escHtml(s.segment)}"><td>${escHtml(s.segment)}</td><td>${s.kpis.decisions}</td><td>${pct(s.kpis.decisions > 0 ? s.kpis.approved / s.kpis.decisions : null)}</td><td>${s.kpis.sent}</td><td>${pct(s.kpis.reply_rate)}</td><td>${pct(s.kpis.bounce_rate)}</td><td>${s.enabled ? `on since ${escHtml(s.enabled.at.slice(0, 10))}` : 'off'}</td></tr>`)
    .join('')}</tbody></table>
</section>
<section id="credits">
<h2>Credit spend</h2>
${creditDays.length > 0 ? stackedBars('credits', creditDays, budgets.map((b) => ({ name: b, values: creditDays.map((d) => used(d, b)) })), { xAttr: 'day' }) : '<p class="muted">No credits spent in this window.</p>'}
</section>
</body>
</html>
`;
}
