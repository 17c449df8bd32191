// The dashboards: poll each service's /ready and /metrics, show numbers, tables and live charts.

import { AlertsPanel, adoptTokenFromFragment } from "./alerts.js";
import { LiveChart } from "./charts.js";
import { ago, count, duration, el, rate, table } from "./dom.js";
import { parseMetrics, summarise } from "./metrics.js";

const COLORS = { processed: "#2b6cb0", consumed: "#9f7aea", lag: "#dd6b20", backlog: "#2f855a" };

/** One service's card: readiness, key numbers, two live charts and the breakdown tables. */
class ServiceCard {
  constructor(name, base, { detailed, topicPrefix }) {
    this.name = name;
    this.base = base;
    this.detailed = detailed;
    this.topicPrefix = topicPrefix;
    this.previous = null;
    this.numbers = {};
    this.root = el("article", { class: "service", "data-service": name });
    this.status = el("span", { class: "status unknown", "data-metric": "status" }, "…");
    const links = detailed
      ? [el("a", { href: "/dashboard" }, "overview")]
      : [el("a", { href: `${base}/dashboard/service` }, "details")];
    links.push(el("a", { href: `${base}/docs` }, "API"));
    this.root.append(
      el("header", {}, el("h2", {}, name), this.status, el("nav", {}, ...links)),
      this.statsList(),
    );
    const height = detailed ? 220 : 130;
    const throughput = el("div", { class: "chart", "data-chart": "throughput" });
    const backlog = el("div", { class: "chart", "data-chart": "backlog" });
    this.tables = el("div", { class: "tables" });
    this.root.append(throughput, backlog, this.tables);
    this.throughputChart = { container: throughput, title: "events/s", height };
    this.backlogChart = { container: backlog, title: "lag and outbox backlog", height };
  }

  statsList() {
    const stats = [
      ["processed", "processed"],
      ["rate", "events/s"],
      ["failed", "failed"],
      ["lag", "consumer lag"],
      ["backlog", "outbox backlog"],
      ["oldest", "oldest unsent"],
      ["dead", "dead-lettered"],
    ];
    return el(
      "dl",
      { class: "stats" },
      ...stats.map(([key, label]) => {
        this.numbers[key] = el("dd", { "data-metric": key }, "–");
        return el("div", {}, el("dt", {}, label), this.numbers[key]);
      }),
    );
  }

  /** Charts need the card laid out (for their width), hence after it joined the page. */
  mountCharts() {
    const make = ({ container, title, height }, series) =>
      new LiveChart(container, { title, height, series });
    this.throughput = make(this.throughputChart, [
      { label: "processed/s", color: COLORS.processed },
      { label: "consumed/s", color: COLORS.consumed },
    ]);
    this.backlog = make(this.backlogChart, [
      { label: "lag", color: COLORS.lag },
      { label: "outbox", color: COLORS.backlog },
    ]);
  }

  /** Fetch readiness and metrics; returns what the page totals need. */
  async poll() {
    const [ready, metrics] = await Promise.all([this.fetchReady(), this.fetchMetrics()]);
    const now = performance.now() / 1000;
    const seconds = Date.now() / 1000;
    this.showStatus(ready, metrics !== null);
    if (metrics === null) {
      this.throughput.push(seconds, [null, null]);
      this.backlog.push(seconds, [null, null]);
      this.previous = null;
      return { ready: ready.state === "ready", processed: null, rate: null };
    }
    const summary = summarise(metrics);
    const rates = this.rates(now, summary);
    this.showNumbers(summary, rates.processed);
    this.throughput.push(seconds, [rates.processed, rates.consumed]);
    this.backlog.push(seconds, [summary.lagTotal, summary.backlog]);
    this.showTables(summary, seconds);
    return { ready: ready.state === "ready", processed: summary.processed, rate: rates.processed };
  }

  // Per-second rates from counter deltas; a counter that went down means a restart.
  rates(now, summary) {
    const before = this.previous;
    this.previous = { at: now, processed: summary.processed, consumed: summary.consumed };
    if (!before || now <= before.at) return { processed: null, consumed: null };
    const per = (key) => {
      const delta = summary[key] - before[key];
      return delta < 0 ? null : delta / (now - before.at);
    };
    return { processed: per("processed"), consumed: per("consumed") };
  }

  async fetchReady() {
    try {
      const response = await fetch(`${this.base}/ready`, options());
      if (response.ok) return { state: "ready" };
      const body = await response.json().catch(() => ({}));
      const failing = Object.entries(body.checks ?? {})
        .filter(([, ok]) => !ok)
        .map(([check]) => check);
      return { state: "not-ready", failing };
    } catch {
      return { state: "down" };
    }
  }

  async fetchMetrics() {
    try {
      const response = await fetch(`${this.base}/metrics`, options());
      return response.ok ? parseMetrics(await response.text()) : null;
    } catch {
      return null;
    }
  }

  showStatus(ready, hasMetrics) {
    const labels = { ready: "ready", "not-ready": "not ready", down: "down" };
    let text = labels[ready.state];
    if (ready.state === "not-ready" && ready.failing.length) text += ` (${ready.failing.join(", ")})`;
    if (ready.state !== "down" && !hasMetrics) text += " · no metrics";
    this.status.textContent = text;
    this.status.className = `status ${ready.state}`;
    this.root.dataset.state = ready.state;
  }

  showNumbers(summary, processedRate) {
    const n = this.numbers;
    n.processed.textContent = count(summary.processed);
    n.rate.textContent = rate(processedRate);
    n.failed.textContent = count(summary.failed);
    n.lag.textContent = count(summary.lagTotal);
    n.backlog.textContent = count(summary.backlog);
    n.oldest.textContent = summary.backlog ? duration(summary.oldestAge) : "–";
    n.dead.textContent = count(summary.deadLettered);
  }

  showTables(summary, seconds) {
    const short = (topic) =>
      topic.startsWith(this.topicPrefix) ? topic.slice(this.topicPrefix.length) : topic;
    const sections = [
      [
        "Consumer lag by partition",
        table(
          ["topic", "partition", "lag"],
          summary.lag.map((row) => [short(row.topic), row.partition, count(row.lag)]),
          "no partitions measured yet",
        ),
      ],
      [
        "Dead letters by reason",
        table(
          ["reason", "records"],
          [...summary.deadByReason].map(([kind, n]) => [kind, count(n)]),
          "none",
        ),
      ],
      [
        "Sweepers",
        table(
          ["sweeper", "last run", "took", "findings"],
          summary.sweepers.map((s) => [
            s.name,
            s.lastRun ? ago(seconds - s.lastRun) : "not yet",
            duration(s.duration),
            count(s.findings),
          ]),
          "no sweepers",
        ),
      ],
    ];
    if (this.detailed) {
      const perBatch = summary.handlerCount ? summary.handlerSeconds / summary.handlerCount : null;
      sections.push([
        `Events by topic and type (handler: ${duration(perBatch)} per batch on average)`,
        table(
          ["topic", "type", "consumed", "processed", "failed"],
          summary.byTopicType.map((r) => [
            short(r.topic),
            r.type,
            count(r.consumed),
            count(r.processed),
            count(r.failed),
          ]),
          "no events yet",
        ),
      ]);
    }
    this.tables.replaceChildren(
      ...sections.map(([title, body]) => el("section", {}, el("h3", {}, title), body)),
    );
  }
}

function options() {
  return { cache: "no-store", signal: AbortSignal.timeout(3000) };
}

function showTotals(totals, results) {
  const known = (key) => results.filter((r) => r[key] !== null).map((r) => r[key]);
  const sum = (values) => values.reduce((a, b) => a + b, 0);
  totals.ready.textContent = `${results.filter((r) => r.ready).length}/${results.length}`;
  totals.processed.textContent = count(sum(known("processed")));
  const rates = known("rate");
  totals.rate.textContent = rates.length ? rate(sum(rates)) : "–";
  totals.updated.textContent = new Date().toLocaleTimeString();
  // For tests and scripts: how many polls the page has completed.
  document.body.dataset.polls = String(Number(document.body.dataset.polls ?? 0) + 1);
}

/** Read the config, build the cards, then poll forever without overlapping polls. */
function start() {
  const config = JSON.parse(document.getElementById("dashboard-config").textContent);
  adoptTokenFromFragment();
  const container = document.getElementById("services");
  const cards = Object.entries(config.peers).map(
    ([name, base]) =>
      new ServiceCard(name, base, {
        detailed: config.mode === "service",
        topicPrefix: config.topicPrefix,
      }),
  );
  container.replaceChildren(...cards.map((card) => card.root));
  cards.forEach((card) => card.mountCharts());
  const alerts = config.alerts
    ? new AlertsPanel(document.getElementById("alerts"), {
        url: `${config.peers[config.alerts.service]}${config.alerts.path}`,
      })
    : null;
  const totals = {
    ready: document.querySelector('[data-metric="ready-count"]'),
    processed: document.querySelector('[data-metric="processed-total"]'),
    rate: document.querySelector('[data-metric="rate-total"]'),
    updated: document.querySelector('[data-metric="updated"]'),
  };

  async function tick() {
    const started = performance.now();
    try {
      const [results] = await Promise.all([
        Promise.all(cards.map((card) => card.poll())),
        alerts ? alerts.refresh() : null,
      ]);
      showTotals(totals, results);
    } finally {
      // Whatever went wrong this time, keep watching.
      const elapsed = performance.now() - started;
      window.setTimeout(tick, Math.max(0, config.pollMs - elapsed));
    }
  }
  tick();
}

start();
