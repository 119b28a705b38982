/**
 * A strict reader of Prometheus' text exposition format (version 0.0.4) for tests: every line must be a comment,
 * `# HELP`, `# TYPE` or a sample of a declared family, with well-formed labels and a number; anything else throws,
 * naming the line. Also the Temporal SDK metric names the dashboard and alerts may use (checked by
 * test/e2e/metrics.test.ts against a real scrape of the SDK's endpoint).
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** Family name → its TYPE (counter, gauge, histogram, summary, untyped). */
  types: Map<string, string>;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})?[ \\t]+(\\S+)(?:[ \\t]+-?\\d+)?$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const HELP = new RegExp(`^# HELP (${NAME})(?: .*)?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/;
const SUFFIXES: Record<string, string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  text.split('\n').forEach((line, index) => {
    const where = `line ${index + 1}: ${line.slice(0, 120)}`;
    if (line.trim() === '') return;
    const type = TYPE.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      return;
    }
    if (line.startsWith('#')) {
      if (line.startsWith('# HELP') && !HELP.test(line)) throw new Error(`malformed HELP, ${where}`);
      return;
    }
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`not a sample, ${where}`);
    const [, name, labelText, valueText] = sample;
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    if (Number.isNaN(value) && valueText !== 'NaN') throw new Error(`bad value, ${where}`);
    if (familyOf(name!, types) === undefined) throw new Error(`sample of an undeclared family, ${where}`);
    samples.push({ name: name!, labels: parseLabels(labelText ?? '', where), value });
  });
  return { types, samples };
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const [family, type] of types) {
    if ((SUFFIXES[type] ?? []).some((suffix) => name === `${family}${suffix}`)) return family;
  }
  return undefined;
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const label = LABEL.exec(rest);
    if (!label) throw new Error(`malformed labels, ${where}`);
    labels[label[1]!] = label[2]!.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(label[0].length);
  }
  return labels;
}

/** The value of the one sample `name` whose labels are exactly `labels`; undefined when there is none. */
export function sampleValue(exposition: Exposition, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).sort();
  const match = exposition.samples.find(
    (s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(wanted),
  );
  return match?.value;
}

/**
 * Temporal SDK metric families (TypeScript SDK 1.24, Runtime's Prometheus exporter with its defaults: `temporal_`
 * prefix, durations in milliseconds, no `_total` suffix) that docs/grafana-dashboard.json and
 * docs/prometheus-alerts.yml use. test/e2e/metrics.test.ts checks each is on the endpoint after a flow.
 */
export const SDK_METRIC_NAMES = [
  'temporal_worker_task_slots_available',
  'temporal_worker_task_slots_used',
  'temporal_workflow_task_schedule_to_start_latency',
  'temporal_activity_schedule_to_start_latency',
  'temporal_activity_execution_latency',
  'temporal_workflow_completed',
  'temporal_workflow_task_execution_latency',
  'temporal_num_pollers',
  'temporal_sticky_cache_size',
];
