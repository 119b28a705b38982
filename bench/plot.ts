/**
 * Small SVG charts for the docs, written by hand (no charting dependency): calls per second against Feishu's quota
 * lines (the drain beside the official SDK, the tenants of a store app, the two APIs of the mixed drain), and the
 * distribution of signal → login_info latency.
 */
import type { AckResult } from './ack';

const W = 720;
const H = 300;
const PAD = { left: 56, right: 16, top: 28, bottom: 40 };
const plotW = W - PAD.left - PAD.right;
const plotH = H - PAD.top - PAD.bottom;

function frame(title: string, xLabel: string, yLabel: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${title}</text>
<text x="${PAD.left + plotW / 2}" y="${H - 6}" text-anchor="middle">${xLabel}</text>
<text x="14" y="${PAD.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${PAD.top + plotH / 2})">${yLabel}</text>
<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${PAD.left + plotW}" y2="${PAD.top + plotH}" stroke="black"/>
<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotH}" stroke="black"/>
${body}
</svg>
`;
}

function ticks(max: number, count: number): number[] {
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  return Array.from({ length: Math.floor(max / step) + 1 }, (_, i) => i * step);
}

function axes(xMax: number, yMax: number): string {
  const x = (v: number) => PAD.left + (v / xMax) * plotW;
  const y = (v: number) => PAD.top + plotH - (v / yMax) * plotH;
  const xs = ticks(xMax, 8).map(
    (v) =>
      `<line x1="${x(v)}" y1="${PAD.top + plotH}" x2="${x(v)}" y2="${PAD.top + plotH + 4}" stroke="black"/><text x="${x(v)}" y="${PAD.top + plotH + 16}" text-anchor="middle">${v}</text>`,
  );
  const ys = ticks(yMax, 5).map(
    (v) =>
      `<line x1="${PAD.left - 4}" y1="${y(v)}" x2="${PAD.left + plotW}" y2="${y(v)}" stroke="#e5e5e5"/><text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`,
  );
  return [...ys, ...xs].join('\n');
}

export interface Series {
  label: string;
  color: string;
  values: number[];
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];

/** Lines of calls per second against Feishu's two quota lines (per second, and per minute as a rate). */
function callsChart(title: string, series: Series[], perSecondLimit: number, perMinuteLimit: number): string {
  const xMax = Math.max(10, ...series.map((s) => s.values.length));
  const yMax = Math.max(perSecondLimit * 1.2, ...series.flatMap((s) => s.values));
  const x = (v: number) => PAD.left + (v / xMax) * plotW;
  const y = (v: number) => PAD.top + plotH - (v / yMax) * plotH;
  const line = ({ values, color }: Series) =>
    `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${values.map((v, i) => `${x(i + 0.5).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`;
  const hline = (value: number, color: string, label: string) =>
    `<line x1="${PAD.left}" y1="${y(value)}" x2="${PAD.left + plotW}" y2="${y(value)}" stroke="${color}" stroke-dasharray="6 4"/><text x="${PAD.left + plotW - 4}" y="${y(value) - 4}" text-anchor="end" fill="${color}">${label}</text>`;
  let legendX = PAD.left + 10;
  const legend = series.map(({ label, color }) => {
    const entry = `<rect x="${legendX}" y="${PAD.top + 4}" width="10" height="3" fill="${color}"/><text x="${legendX + 14}" y="${PAD.top + 9}">${label}</text>`;
    legendX += 24 + label.length * 6;
    return entry;
  });
  return frame(
    title,
    'seconds since the first call',
    'calls / s',
    [
      axes(xMax, yMax),
      hline(perSecondLimit, '#555', `quota ${perSecondLimit}/s`),
      hline(perMinuteLimit / 60, '#2ca02c', `quota ${perMinuteLimit}/min = ${(perMinuteLimit / 60).toFixed(1)}/s`),
      ...series.map(line),
      ...legend,
    ].join('\n'),
  );
}

export function drainChart(ours: number[], baseline: number[], perSecondLimit: number, perMinuteLimit: number): string {
  return callsChart(
    'login_info calls per second while draining the backlog',
    [
      { label: 'official SDK, plain loop (incl. 429s)', color: '#d62728', values: baseline },
      { label: 'feishu-exam-bridge', color: '#1f77b4', values: ours },
    ],
    perSecondLimit,
    perMinuteLimit,
  );
}

/** Store app: each tenant's login_info calls per second (its own quota) while all tenants drain at once. */
export function tenantsChart(
  tenants: Array<{ tenantKey: string; perSecond: number[] }>,
  perSecondLimit: number,
  perMinuteLimit: number,
): string {
  return callsChart(
    `login_info calls per second per tenant: ${tenants.length} tenants of one store app, 2 workers`,
    tenants.map((t, i) => ({ label: t.tenantKey, color: PALETTE[i % PALETTE.length]!, values: t.perSecond })),
    perSecondLimit,
    perMinuteLimit,
  );
}

/** One tenant, two APIs (each its own quota) draining at once. */
export function mixedChart(
  loginInfo: number[],
  updateResult: number[],
  perSecondLimit: number,
  perMinuteLimit: number,
): string {
  return callsChart(
    'one tenant: login_info and update_result calls per second, both drains at once',
    [
      { label: 'login_info', color: '#1f77b4', values: loginInfo },
      { label: 'update_result', color: '#ff7f0e', values: updateResult },
    ],
    perSecondLimit,
    perMinuteLimit,
  );
}

export function latencyChart(values: number[], p50: number, p99: number): string {
  const sorted = [...values].sort((a, b) => a - b);
  const xMax = Math.max(10, Math.ceil((sorted[sorted.length - 1] ?? 10) * 1.1));
  const x = (v: number) => PAD.left + (v / xMax) * plotW;
  const y = (v: number) => PAD.top + plotH - (v / 100) * plotH;
  const points = sorted.map((v, i) => `${x(v).toFixed(1)},${y(((i + 1) / sorted.length) * 100).toFixed(1)}`).join(' ');
  const vline = (value: number, label: string) =>
    `<line x1="${x(value)}" y1="${PAD.top}" x2="${x(value)}" y2="${PAD.top + plotH}" stroke="#888" stroke-dasharray="4 3"/><text x="${x(value) + 4}" y="${PAD.top + 12}">${label}</text>`;
  return frame(
    'signal → login_info latency (cumulative share of exams)',
    'milliseconds',
    '% of exams',
    [
      axes(xMax, 100),
      vline(p50, `p50 ${p50} ms`),
      vline(p99, `p99 ${p99} ms`),
      `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${points}"/>`,
    ].join('\n'),
  );
}

/** Cumulative distributions of webhook-ack latency (log-scaled ms): ours, the raw start loop and the SDK, per rate. */
export function ackChart(ack: AckResult): string {
  const series = [
    { label: 'raw workflow.start 100/s', color: '#98df8a', values: ack.raw100.values, dash: '4 3' },
    { label: 'ingest 100/s', color: '#aec7e8', values: ack.at100.values, dash: '4 3' },
    { label: 'raw workflow.start 200/s', color: '#2ca02c', values: ack.raw200.values, dash: '' },
    { label: 'ingest 200/s', color: '#1f77b4', values: ack.at200.values, dash: '' },
    { label: 'official SDK 200/s', color: '#d62728', values: ack.baseline.values, dash: '' },
  ];
  const all = series.flatMap((s) => s.values).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.max(0.1, Math.min(...all))));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(10, ...all)));
  const x = (v: number) => PAD.left + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / Math.log10(hi / lo)) * plotW;
  const y = (v: number) => PAD.top + plotH - (v / 100) * plotH;
  const xTicks: string[] = [];
  for (let decade = lo; decade <= hi; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const v = decade * m;
      if (v > hi) break;
      xTicks.push(
        `<line x1="${x(v)}" y1="${PAD.top}" x2="${x(v)}" y2="${PAD.top + plotH + 4}" stroke="${m === 1 ? '#ccc' : '#eee'}"/><text x="${x(v)}" y="${PAD.top + plotH + 16}" text-anchor="middle">${v}</text>`,
      );
    }
  }
  const yTicks = [0, 25, 50, 75, 90, 99, 100].map(
    (v) =>
      `<line x1="${PAD.left - 4}" y1="${y(v)}" x2="${PAD.left + plotW}" y2="${y(v)}" stroke="#e5e5e5"/><text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`,
  );
  const curves = series.map((s) => {
    const sorted = [...s.values].sort((a, b) => a - b);
    const points = sorted.map((v, i) => `${x(v).toFixed(1)},${y(((i + 1) / sorted.length) * 100).toFixed(1)}`);
    return `<polyline fill="none" stroke="${s.color}" stroke-width="1.8"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} points="${points.join(' ')}"/>`;
  });
  const legend = series.map(
    (s, i) =>
      `<rect x="${PAD.left + plotW - 190}" y="${PAD.top + plotH - 84 + i * 14}" width="12" height="3" fill="${s.color}"/><text x="${PAD.left + plotW - 174}" y="${PAD.top + plotH - 79 + i * 14}">${s.label}</text>`,
  );
  return frame(
    `webhook ack latency, ${ack.seconds} s per run (cumulative share of events)`,
    'milliseconds from the scheduled send (log scale)',
    '% of events',
    [...yTicks, ...xTicks, ...curves, ...legend].join('\n'),
  );
}
