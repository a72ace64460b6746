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
    const label = (col) => (col === "time_zoned" ? cfg.time_label : t("col." + col));
    const td = (col, html, extra = "") => `<td data-label="${esc(label(col))}"${extra}>${html}</td>`;
    return `<tr class="d-${esc(r.decision)}" data-testid="entry-row">` +
      td("time_zoned", `<a href="${href}">${esc(r.time)}</a>`) + td("gate", esc(r.gate)) +
      td("direction", esc(t("direction." + r.direction))) +
      td("decision", esc(t("decision." + r.decision)), ' data-testid="entry-decision"') +
      td("reason", reasons) + td("household", esc(r.household), ' data-testid="entry-household"') + td("temperature", temp) +
      td("credential", esc(r.credential), ` class="mono" data-testid="entry-credential" title="${esc(r.kind)}"`) +
      td("chain", r.hash_ok ? "✓" : "✗") + "</tr>";
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

  // Not while someone is choosing alerts or writing a note: their work would be lost.
  function busyWithForm() {
    const form = document.getElementById("alerts-form");
    return Boolean(form && (form.querySelector("input[type=checkbox]:checked") ||
                            (form.elements.note && form.elements.note.value.trim())));
  }

  function reloadWhenAlertsChange(open) {
    document.addEventListener("console:alerts", (e) => {
      if (e.detail.open !== open && !busyWithForm()) window.location.reload();
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

  // The header's menu folds away on a narrow screen; its button opens and closes it.
  const toggle = document.querySelector(".menu-toggle");
  if (toggle) {
    toggle.addEventListener("click", () => {
      const open = toggle.closest(".top").classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }

  // A "select all" box checks every box of its name (the alerts' bulk acknowledge).
  for (const all of document.querySelectorAll("[data-check-all]")) {
    all.addEventListener("change", () => {
      for (const box of document.querySelectorAll(`input[type=checkbox][name="${all.dataset.checkAll}"]`)) {
        box.checked = all.checked;
      }
    });
  }

  // A table wider than a phone scrolls inside its box; a keyboard must reach it to scroll it.
  const focusableWhenScrolling = () => {
    for (const table of document.querySelectorAll("table.grid")) {
      if (table.scrollWidth > table.clientWidth + 1) table.tabIndex = 0;
      else table.removeAttribute("tabindex");
    }
  };
  focusableWhenScrolling();
  window.addEventListener("resize", focusableWhenScrolling);

  if (cfg.logged_in) alertBadge();
  const api = {liveEntries, reloadWhenAlertsChange, reloadEvery, t};
  // What this page starts, with its arguments: {"liveEntries": [url, page, base]}.
  const start = document.getElementById("page-start");
  if (start) {
    for (const [name, args] of Object.entries(JSON.parse(start.textContent))) api[name](...args);
  }
  return api;
})();
