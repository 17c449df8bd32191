// Live time-series charts (uPlot, bundled under vendor/), each showing a sliding window.

import { rate } from "./dom.js";

const WINDOW_S = 300; // the last five minutes
const MIN_SPAN_S = 60;
const MAX_POINTS = 400; // enough for the window at one point per second

const clock = (seconds) =>
  new Date(seconds * 1000).toLocaleTimeString([], { hour12: false });

/** A small line chart of a few series against time that appends one point per poll. */
export class LiveChart {
  constructor(container, { title, series, height = 140 }) {
    this.container = container;
    this.data = [[], ...series.map(() => [])];
    this.plot = new window.uPlot(
      {
        title,
        width: this.width(),
        height,
        cursor: { drag: { x: false, y: false } },
        legend: { live: true },
        scales: {
          // Slide with the newest point: the last minute at first, growing to the whole window.
          x: {
            time: true,
            range: (_u, min, max) => [Math.max(max - WINDOW_S, Math.min(min, max - MIN_SPAN_S)), max],
          },
          y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
        },
        axes: [
          { space: 70, values: (_u, splits) => splits.map(clock) },
          { size: 48 },
        ],
        series: [
          { label: "time", value: (_u, v) => (v === null || v === undefined ? "–" : clock(v)) },
          ...series.map(({ label, color }) => ({
            label,
            stroke: color,
            width: 1.5,
            value: (_u, v) => (v === null || v === undefined ? "–" : rate(v)),
          })),
        ],
      },
      this.data,
      container,
    );
    new ResizeObserver(() => this.plot.setSize({ width: this.width(), height })).observe(container);
  }

  width() {
    return Math.max(200, this.container.clientWidth);
  }

  /** Append one point (null values leave a gap, e.g. while the service is down). */
  push(seconds, values) {
    this.data[0].push(seconds);
    values.forEach((value, i) => this.data[i + 1].push(value));
    while (this.data[0].length > MAX_POINTS || this.data[0][0] < seconds - WINDOW_S) {
      this.data.forEach((column) => column.shift());
    }
    this.plot.setData(this.data);
  }
}
