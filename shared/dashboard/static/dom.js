// Small DOM and formatting helpers. Text goes in through textContent, never as HTML.

/** Create an element with attributes and children (strings become text nodes). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
  }
  return node;
}

const integer = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** 12,345 */
export function count(value) {
  return value === null || value === undefined ? "–" : integer.format(value);
}

/** 12.3 */
export function rate(value) {
  return value === null || value === undefined ? "–" : decimal.format(value);
}

/** A duration in seconds as "850 ms", "12 s", "4 min" or "3 h". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

/** How long ago, from an age in seconds. */
export function ago(seconds) {
  return seconds < 1 ? "just now" : `${duration(seconds)} ago`;
}

/** A table of `rows` under `headings`, or one muted row saying `empty`. */
export function table(headings, rows, empty) {
  const head = el("thead", {}, el("tr", {}, ...headings.map((h) => el("th", {}, h))));
  const body = rows.length
    ? rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c))))
    : [el("tr", {}, el("td", { colspan: headings.length, class: "muted" }, empty))];
  return el("table", {}, head, el("tbody", {}, ...body));
}
