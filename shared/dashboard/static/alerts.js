// The latest alerts, read from the notifier with a bearer token kept in this tab only.

import { ago, el } from "./dom.js";

const TOKEN_KEY = "b12.dashboard.token";

/** Move a `#token=...` fragment into sessionStorage and out of the address bar. */
export function adoptTokenFromFragment() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const token = params.get("token");
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  params.delete("token");
  const rest = params.toString();
  const url = window.location.pathname + window.location.search + (rest ? `#${rest}` : "");
  window.history.replaceState(null, "", url);
}

/** The alerts panel: fetches, renders, and asks for a token when it has none that works. */
export class AlertsPanel {
  constructor(root, { url }) {
    this.root = root;
    this.url = url;
    this.state = root.querySelector("#alerts-state");
    this.form = root.querySelector("#token-form");
    this.input = root.querySelector("#token-input");
    this.body = root.querySelector("#alerts-table tbody");
    root.hidden = false;
    root.querySelector("#token-save").addEventListener("click", () => this.saveToken());
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") this.saveToken();
    });
  }

  saveToken() {
    const token = this.input.value.trim();
    this.input.value = "";
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    this.refresh();
  }

  askForToken(message) {
    this.form.hidden = false;
    this.show(message, "warn");
  }

  show(message, tone = "muted") {
    this.state.textContent = message;
    this.state.className = tone;
  }

  /** Fetch the latest alerts and render them; degrade to a message on any failure. */
  async refresh() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) {
      this.askForToken("no token: alerts need a bearer token with a read scope");
      return;
    }
    let response;
    try {
      response = await fetch(this.url, {
        headers: { Authorization: `Bearer ${token}` },
        cache: "no-store",
        signal: AbortSignal.timeout(5000),
      });
    } catch {
      this.show("notifier unreachable", "warn");
      return;
    }
    if (response.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      this.askForToken("token rejected (expired or not valid here): paste a new one");
      return;
    }
    if (response.status === 403) {
      sessionStorage.removeItem(TOKEN_KEY);
      this.askForToken("this token has no read scope (ops, staff or clinic)");
      return;
    }
    if (!response.ok) {
      this.show(`notifier answered HTTP ${response.status}`, "warn");
      return;
    }
    const page = await response.json().catch(() => null);
    if (page === null) {
      this.show("notifier answered something other than JSON", "warn");
      return;
    }
    this.form.hidden = true;
    this.render(Array.isArray(page.items) ? page.items : []);
  }

  // Opaque ids and codes only: never the recommendation text or the evidence.
  render(items) {
    this.show(items.length ? `${items.length} most recent` : "no alerts yet");
    const now = Date.now();
    this.body.replaceChildren(
      ...items.map((alert) => {
        const opened = Date.parse(alert.opened_at);
        return el(
          "tr",
          { "data-alert": alert.alert_id },
          el("td", { title: alert.opened_at }, Number.isNaN(opened) ? "–" : ago((now - opened) / 1000)),
          el("td", {}, el("span", { class: `severity ${alert.severity}` }, alert.severity)),
          el("td", {}, alert.reason),
          el("td", {}, alert.team),
          el("td", {}, alert.status),
          el("td", { class: "mono" }, alert.patient_id),
        );
      }),
    );
  }
}
