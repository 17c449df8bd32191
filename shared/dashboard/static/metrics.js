// Reading a service's /metrics: the Prometheus text format, summarised for the dashboards.

/** Parse Prometheus text exposition into samples {name, labels, value}. */
export function parseMetrics(text) {
  const samples = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const sample = parseLine(line);
    if (sample) samples.push(sample);
  }
  return samples;
}

function parseLine(line) {
  const nameEnd = line.search(/[{\s]/);
  if (nameEnd <= 0) return null;
  const name = line.slice(0, nameEnd);
  let rest = line.slice(nameEnd);
  let labels = {};
  if (rest.startsWith("{")) {
    const parsed = parseLabels(rest);
    if (!parsed) return null;
    labels = parsed.labels;
    rest = rest.slice(parsed.end);
  }
  const value = parseValue(rest.trim().split(/\s+/)[0]);
  return Number.isNaN(value) ? null : { name, labels, value };
}

// Label values are quoted and may contain \\, \" and \n escapes (and commas or braces).
function parseLabels(text) {
  const labels = {};
  let i = 1;
  while (i < text.length) {
    while (text[i] === "," || text[i] === " ") i++;
    if (text[i] === "}") return { labels, end: i + 1 };
    const eq = text.indexOf("=", i);
    if (eq < 0 || text[eq + 1] !== '"') return null;
    const key = text.slice(i, eq).trim();
    let value = "";
    i = eq + 2;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\" && i + 1 < text.length) {
        const next = text[i + 1];
        value += next === "n" ? "\n" : next;
        i += 2;
      } else {
        value += text[i++];
      }
    }
    labels[key] = value;
    i++;
  }
  return null;
}

function parseValue(token) {
  if (token === "+Inf") return Infinity;
  if (token === "-Inf") return -Infinity;
  if (token === undefined || token === "") return NaN;
  return Number(token);
}

/** Sum of every sample called `name`. */
export function total(samples, name) {
  return samples.reduce((sum, s) => (s.name === name ? sum + s.value : sum), 0);
}

/** Sums of the samples called `name`, keyed by the values of `labelNames` joined with "|". */
export function sumBy(samples, name, labelNames) {
  const sums = new Map();
  for (const s of samples) {
    if (s.name !== name) continue;
    const key = labelNames.map((label) => s.labels[label] ?? "").join("|");
    sums.set(key, (sums.get(key) ?? 0) + s.value);
  }
  return sums;
}

/** What the dashboards show of one service, from its parsed samples. */
export function summarise(samples) {
  const lag = [...sumBy(samples, "b12_consumer_lag", ["topic", "partition"])]
    .map(([key, value]) => {
      const [topic, partition] = key.split("|");
      return { topic, partition: Number(partition), lag: value };
    })
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return {
    consumed: total(samples, "b12_events_consumed_total"),
    processed: total(samples, "b12_events_processed_total"),
    failed: total(samples, "b12_events_failed_total"),
    duplicates: total(samples, "b12_events_duplicate_total"),
    deadLettered: total(samples, "b12_dead_lettered_total"),
    deadByReason: sumBy(samples, "b12_dead_lettered_total", ["kind"]),
    lag,
    lagTotal: lag.reduce((sum, row) => sum + row.lag, 0),
    backlog: total(samples, "b12_outbox_backlog"),
    oldestAge: total(samples, "b12_outbox_oldest_age_seconds"),
    published: total(samples, "b12_outbox_published_total"),
    sweepers: sweepers(samples),
    byTopicType: byTopicType(samples),
    handlerCount: total(samples, "b12_handler_seconds_count"),
    handlerSeconds: total(samples, "b12_handler_seconds_sum"),
  };
}

function sweepers(samples) {
  const lastRun = sumBy(samples, "b12_sweeper_last_run_timestamp_seconds", ["sweeper"]);
  const duration = sumBy(samples, "b12_sweeper_duration_seconds", ["sweeper"]);
  const findings = sumBy(samples, "b12_sweeper_findings_total", ["sweeper"]);
  const names = new Set([...lastRun.keys(), ...duration.keys(), ...findings.keys()]);
  return [...names].sort().map((name) => ({
    name,
    lastRun: lastRun.get(name) ?? null,
    duration: duration.get(name) ?? null,
    findings: findings.get(name) ?? 0,
  }));
}

function byTopicType(samples) {
  const rows = new Map();
  const counters = {
    consumed: "b12_events_consumed_total",
    processed: "b12_events_processed_total",
    failed: "b12_events_failed_total",
  };
  for (const [field, name] of Object.entries(counters)) {
    for (const [key, value] of sumBy(samples, name, ["topic", "type"])) {
      const [topic, type] = key.split("|");
      const row = rows.get(key) ?? { topic, type, consumed: 0, processed: 0, failed: 0 };
      row[field] += value;
      rows.set(key, row);
    }
  }
  return [...rows.values()].sort(
    (a, b) => a.topic.localeCompare(b.topic) || a.type.localeCompare(b.type),
  );
}
