// Live time-series charts (uPlot, bundled under vendor/), each keeping a rolling window.

import { rate } from "./dom.js";

const WINDOW_POINTS = 240; // 6 minutes at one point every 1.5 s

/** A small line chart of a few series against time that appends one point per poll. */
export class LiveChart {
  constructor(container, { title, series, height = 140 }) {
    this.container = container;
    this.height = height;
    this.data = [[], ...series.map(() => [])];
    this.plot = new window.uPlot(
      {
        title,
        width: this.width(),
        height,
        cursor: { drag: { x: false, y: false } },
        legend: { live: true },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        axes: [{}, { size: 48 }],
        series: [
          {},
          ...series.map(({ label, color }) => ({
            label,
            stroke: color,
            width: 1.5,
            spanGaps: false,
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
    if (this.data[0].length > WINDOW_POINTS) this.data.forEach((column) => column.shift());
    this.plot.setData(this.data);
  }
}
