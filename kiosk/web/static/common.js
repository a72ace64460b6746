// Shared by every page: the words of the current language, the status bar, the clock,
// and volunteer actions (POST with the CSRF token; ask for the PIN when the kiosk says so).
"use strict";
const WORDS = JSON.parse(document.getElementById("words").textContent);
const CSRF = document.querySelector('meta[name="csrf-token"]').content;

function t(key, args) {
  let s = WORDS[key];
  if (typeof s !== "string") return key;
  for (const [k, v] of Object.entries(args || {})) s = s.split("{" + k + "}").join(String(v));
  return s;
}

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}

// The status bar: grey for figures, amber for warnings, and a banner (as well as the
// item) for what stops the gate. A part that is simply fine shows its name only.
function renderHealth(status) {
  const ul = document.getElementById("health");
  if (!ul || !status) return;
  ul.replaceChildren(...status.items.map((i) => {
    const li = el("li", { class: "level-" + i.level, "data-testid": "health-" + i.key, "data-ok": String(i.ok),
      "data-level": i.level });
    li.append(el("span", { class: "label" }, t("status." + i.key)));
    if (i.level !== "ok" || i.text !== t("status.ok")) li.append(el("span", { class: "text" }, i.text));
    return li;
  }), el("li", { class: "ok-summary", "data-testid": "health-ok-summary" }, t("status.others_ok")));
  const stops = status.items.filter((i) => i.level === "stop");
  const banner = document.getElementById("stop-banner");
  banner.hidden = stops.length === 0;
  banner.textContent = stops.map((i) => t("status." + i.key) + " " + i.text).join(" · ");
}

// Times in the site's zone (the registry's), named, whatever zone the browser is set to.
const SITE_ZONE = { tz: document.body.dataset.tz || undefined, label: document.body.dataset.zone || "",
  offset: document.body.dataset.zoneOffset || "" };
function siteTime(when, withDate) {
  const opts = withDate ? { timeZone: SITE_ZONE.tz } : { timeZone: SITE_ZONE.tz, hour: "2-digit", minute: "2-digit" };
  const d = new Date(when);
  const lang = document.body.dataset.lang === "zh" ? "zh-CN" : "en-GB";
  return withDate ? d.toLocaleString(lang, opts) : d.toLocaleTimeString(lang, opts);
}
function zoned(text) {
  const zone = SITE_ZONE.label;
  if (!zone) return text;
  return document.body.dataset.lang === "zh" ? text + "（" + zone + "）" : text + " (" + zone + ")";
}

function tickClock() {
  const c = document.getElementById("clock");
  if (c) c.textContent = siteTime(Date.now()) + " " + SITE_ZONE.offset;
}
setInterval(tickClock, 10000);
tickClock();

// -- volunteer actions ------------------------------------------------------------
const pinDialog = document.getElementById("pin-dialog");

function askPin(message) {
  return new Promise((resolve) => {
    document.getElementById("pin-error").textContent = message || "";
    const input = document.getElementById("pin-input");
    input.value = "";
    const form = document.getElementById("pin-form");
    const done = (ok) => {
      form.onsubmit = null;
      document.getElementById("pin-cancel").onclick = null;
      pinDialog.close();
      resolve(ok ? { pin: input.value, operator: document.getElementById("pin-operator").value } : null);
    };
    form.onsubmit = (ev) => { ev.preventDefault(); done(true); };
    document.getElementById("pin-cancel").onclick = () => done(false);
    pinDialog.showModal();
    input.focus();
  });
}

// POST JSON; on 401 ask for the PIN and try again. Resolves to {ok, status, body}.
async function volunteerPost(url, data) {
  let extra = {};
  for (;;) {
    const r = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": CSRF },
      body: JSON.stringify({ ...data, ...extra }),
    });
    let body = {};
    try { body = await r.json(); } catch (e) { /* not JSON */ }
    if (r.status === 401 && (body.error === "pin_required" || body.error === "pin_wrong")) {
      const got = await askPin(body.error === "pin_wrong" ? body.message : "");
      if (!got) return { ok: false, status: 401, body };
      extra = got;
      continue;
    }
    if (r.ok) showLock(true);
    return { ok: r.ok, status: r.status, body };
  }
}

function showLock(unlocked) {
  const b = document.getElementById("lock");
  if (b) b.hidden = !unlocked;
}

document.getElementById("lock")?.addEventListener("click", async () => {
  await fetch("/volunteer/lock", { method: "POST", headers: { "X-CSRFToken": CSRF } });
  showLock(false);
});
fetch("/volunteer/state").then((r) => r.json()).then((s) => showLock(!!s.operator)).catch(() => {});

function formatHousehold(h) {
  const m = /^([^-]+)-([^-]+)-([^-]+)$/.exec(h || "");
  return m ? t("who.household", { building: m[1], unit: m[2], room: m[3] }) : (h || "");
}

function reasonText(code) {
  const s = WORDS["reason." + code];
  return typeof s === "string" ? s : code;
}
