import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIngestMetrics, createMetricsRegistry, createWorkerMetrics } from '../../src/metrics';
import { ROOT } from '../support/processes';
import { SDK_METRIC_NAMES } from '../support/prometheus';

/**
 * docs/grafana-dashboard.json and docs/prometheus-alerts.yml against the code: every metric a query names exists —
 * the product's in the registries the entries create, the Temporal SDK's in SDK_METRIC_NAMES (which
 * test/e2e/metrics.test.ts checks against a real scrape of the SDK's endpoint) — and every panel and rule has what
 * Grafana and Prometheus need. docs/metrics.md lists the product's metrics too.
 */
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The product's metric families, from the registries themselves. */
function productFamilies(): Map<string, string> {
  const registry = createMetricsRegistry({ defaultMetrics: false });
  createWorkerMetrics(registry);
  createIngestMetrics(registry);
  // Its typings say a numeric enum; at run time `type` is the name (counter, histogram).
  return new Map(registry.getMetricsAsArray().map((metric) => [metric.name, String(metric.type)]));
}
const PRODUCT = productFamilies();
const SDK = new Set(SDK_METRIC_NAMES);

/** PromQL words that are not metric names: functions, aggregations, operators, keywords. */
const PROMQL_WORDS = new Set([
  'sum',
  'rate',
  'increase',
  'histogram_quantile',
  'by',
  'without',
  'and',
  'or',
  'unless',
  'on',
  'ignoring',
  'bool',
  'offset',
  'max',
  'min',
  'avg',
  'count',
]);

/** The metric names a PromQL expression selects (label matchers, groupings, ranges and strings removed). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '');
  // Identifiers not followed by `(` (that would be a function or an aggregation).
  const names = [...bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)].filter((m) => !m[2]).map((m) => m[1]!);
  return names.filter((name) => !PROMQL_WORDS.has(name));
}

/** Whether `name` is a sample name of a known family (a histogram's `_bucket`, `_sum`, `_count` included). */
function known(name: string): boolean {
  if (PRODUCT.has(name) || SDK.has(name)) return true;
  const family = name.replace(/_(bucket|sum|count)$/, '');
  if (family === name) return false;
  return PRODUCT.get(family) === 'histogram' || SDK.has(family);
}

interface Panel {
  type: string;
  title?: string;
  targets?: Array<{ expr?: string; refId?: string }>;
  datasource?: { type?: string; uid?: string };
  gridPos?: { h: number; w: number; x: number; y: number };
}

const dashboard = JSON.parse(read('docs/grafana-dashboard.json')) as { uid: string; title: string; panels: Panel[] };
const panelQueries = dashboard.panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title}" ${target.refId}`, expr: target.expr ?? '' })),
);

/** The alert rules, read line by line (each `expr` is one line, as the file says). */
function alertRules(): Array<{ alert: string; expr: string; lines: string[] }> {
  const rules: Array<{ alert: string; expr: string; lines: string[] }> = [];
  for (const line of read('docs/prometheus-alerts.yml').split('\n')) {
    const alert = /^ {6}- alert: (\S+)$/.exec(line);
    if (alert) rules.push({ alert: alert[1]!, expr: '', lines: [] });
    const rule = rules.at(-1);
    if (!rule) continue;
    rule.lines.push(line);
    const expr = /^ {8}expr: (.+)$/.exec(line);
    if (expr) rule.expr = expr[1]!;
  }
  return rules;
}
const rules = alertRules();

describe('the Grafana dashboard and the Prometheus alerts', () => {
  it('the product registry holds the documented families', () => {
    const documented = read('docs/metrics.md');
    for (const name of PRODUCT.keys()) expect(documented).toContain(`\`${name}\``);
    expect(PRODUCT.size).toBe(10);
  });

  it('every metric a dashboard query names exists', () => {
    expect(panelQueries.length).toBeGreaterThan(10);
    const unknown = panelQueries.flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((name) => !known(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('every metric an alert names exists', () => {
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining([
        'FeishuExamBridgeLoginInfoBacklog',
        'FeishuExamBridgeTenantHeldAtQuota',
        'FeishuExamBridgeExamsFailed',
        'FeishuExamBridgeWebhook5xx',
      ]),
    );
    const unknown = rules.flatMap((rule) =>
      metricNames(rule.expr)
        .filter((name) => !known(name))
        .map((name) => `${rule.alert}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('the check itself catches an unknown name, and knows what is a metric', () => {
    expect(metricNames('sum by (api) (rate(foo_total{a="b(c)"}[5m])) > 0 and bar')).toEqual(['foo_total', 'bar']);
    expect(known('feishu_exam_bridge_feishu_requests_total')).toBe(true);
    expect(known('feishu_exam_bridge_feishu_request_duration_seconds_bucket')).toBe(true);
    expect(known('feishu_exam_bridge_feishu_requests_total_bucket')).toBe(false);
    expect(known('feishu_exam_bridge_feishu_requests')).toBe(false);
    expect(known('temporal_activity_schedule_to_start_latency_bucket')).toBe(true);
    expect(known('temporal_no_such_metric')).toBe(false);
  });

  it('each panel has a title, a place and Prometheus queries; each rule a query, a severity and a summary', () => {
    const ids = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.title).toBeTruthy();
      expect(panel.gridPos).toBeDefined();
      if (panel.type === 'row') continue;
      expect(panel.datasource?.type).toBe('prometheus');
      expect(panel.targets?.length).toBeGreaterThan(0);
    }
    for (const rule of rules) {
      expect(ids.has(rule.alert)).toBe(false);
      ids.add(rule.alert);
      expect(rule.expr).not.toBe('');
      expect(rule.expr).not.toMatch(/ #/); // a YAML comment would cut the query short
      expect(rule.lines.some((line) => /^ {10}severity: (warning|critical)$/.test(line))).toBe(true);
      expect(rule.lines.some((line) => /^ {10}summary: '.+'$/.test(line))).toBe(true);
    }
    expect(dashboard.uid).toBe('feishu-exam-bridge');
  });
});
