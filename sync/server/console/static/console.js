// The console's few live parts: the entries table refreshes itself, the alerts badge
// counts open alerts. Plain fetch() polling; no framework, no build step.
"use strict";

const Console = (() => {
  const cfg = JSON.parse(document.getElementById("console-config").textContent);
  const t = (key) => cfg.t[key] || key;
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));

  async function getJSON(url) {
    const r = await fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"});
    if (r.status === 401) { window.location.reload(); return null; }
    if (!r.ok) throw new Error(`${r.status}`);
    return r.json();
  }

  function every(ms, fn) {
    let busy = false;
    const tick = async () => {
      if (busy || document.hidden) return;
      busy = true;
      try { await fn(); } catch (e) { /* the next tick retries */ } finally { busy = false; }
    };
    setInterval(tick, ms);
  }

  function entryRow(r, detailBase) {
    const reasons = r.reasons.map((x) => esc(t("reason." + x))).join(t("list.sep"));
    const temp = r.temperature_c == null ? "" : Number(r.temperature_c).toFixed(1);
    const href = `${detailBase}/${encodeURIComponent(r.site)}/${encodeURIComponent(r.gate)}/${r.seq}`;
    return `<tr class="d-${esc(r.decision)}" data-testid="entry-row">` +
      `<td><a href="${href}">${esc(r.time)}</a></td><td>${esc(r.gate)}</td>` +
      `<td>${esc(t("direction." + r.direction))}</td><td data-testid="entry-decision">${esc(t("decision." + r.decision))}</td>` +
      `<td>${reasons}</td><td data-testid="entry-household">${esc(r.household)}</td><td>${temp}</td>` +
      `<td class="mono" data-testid="entry-credential" title="${esc(r.kind)}">${esc(r.credential)}</td><td>${r.hash_ok ? "✓" : "✗"}</td></tr>`;
  }

  // Page 1 shows the newest entries, so it is redrawn as they arrive; on later pages
  // only the total moves, so the rows a person is reading stay put.
  function liveEntries(dataUrl, page, detailBase) {
    const params = new URLSearchParams(window.location.search);
    params.set("page", page);
    const body = document.getElementById("entries-body");
    const total = document.getElementById("entries-total");
    every(cfg.refresh_ms, async () => {
      const data = await getJSON(`${dataUrl}?${params}`);
      if (!data) return;
      if (String(data.total) === total.textContent) return;
      total.textContent = data.total;
      if (page === 1) body.innerHTML = data.rows.map((r) => entryRow(r, detailBase)).join("");
    });
  }

  function alertBadge() {
    const badge = document.getElementById("alert-badge");
    if (!badge || !cfg.alerts_url) return;
    const update = async () => {
      const data = await getJSON(cfg.alerts_url);
      if (!data) return;
      badge.hidden = data.open === 0;
      badge.textContent = data.open;
      document.dispatchEvent(new CustomEvent("console:alerts", {detail: data}));
    };
    update();
    every(cfg.refresh_ms, update);
  }

  function reloadWhenAlertsChange(open) {
    document.addEventListener("console:alerts", (e) => {
      if (e.detail.open !== open) window.location.reload();
    });
  }

  function reloadEvery(ms) {
    setInterval(() => { if (!document.hidden) window.location.reload(); }, ms);
  }

  // A form that asks before it acts says so in data-confirm (no inline handlers: the
  // Content-Security-Policy runs script files only).
  document.addEventListener("submit", (e) => {
    const ask = e.target.dataset && e.target.dataset.confirm;
    if (ask && !window.confirm(ask)) e.preventDefault();
  });

  if (cfg.logged_in) alertBadge();
  const api = {liveEntries, reloadWhenAlertsChange, reloadEvery, t};
  // What this page starts, with its arguments: {"liveEntries": [url, page, base]}.
  const start = document.getElementById("page-start");
  if (start) {
    for (const [name, args] of Object.entries(JSON.parse(start.textContent))) api[name](...args);
  }
  return api;
})();
