// The verdict screen: server-sent events in, one big card per person out.
// EventSource reconnects by itself when the kiosk restarts; each (re)connect starts
// with a snapshot, so the page is whole again at once. Unknown event types are ignored.
"use strict";
const PAGE = JSON.parse(document.getElementById("page").textContent);
const verdict = document.getElementById("verdict");
const queueList = document.getElementById("queue");
const SYMBOL = { admit: "✓", deny: "✕", refer: "?", fault: "!" };
const DEVICE_FAULTS = ["absent", "stale", "error"];
let idleTimer = null;
let holdUntil = 0;          // a refer card stays up until then, or until the next verdict
let lastPrompt = "show_code";
let devices = {};
let screening = "";   // the mode the gate decides by (off, record, enforce)
let queue = [];
let flashes = 0;

function maskName(name) {
  if (!name) return "";
  const chars = Array.from(name);
  return chars[0] + "*".repeat(Math.max(1, Math.min(chars.length - 1, 3)));
}

function whoText(e) {
  const c = e.credential || {};
  const parts = [];
  const visitor = e.visitor;
  if (visitor && visitor.self_registered) return selfRegisteredText(visitor, c);
  if (visitor || c.role === "visitor") {
    parts.push(t("who.visitor"));
    if (visitor && visitor.name) parts.push(maskName(visitor.name));
  } else {
    if (c.role === "staff") parts.push(t("who.staff"));
    if (c.name_masked) parts.push(c.name_masked);
  }
  const household = c.household || (visitor && (visitor.household || visitor.going_to));
  if (household) parts.push(formatHousehold(household));
  return parts.join(" · ");
}

// The kind of code in words: 通行证, 访客码, 身份证号, 二维码, 条形码.
function codeText(e) {
  const c = e.credential || {};
  if (c.reader && c.kind === "code") return t("code.scanned");   // a reader does not say the symbology
  if (c.kind === "code" || c.kind === "malformed") {
    return t(c.code_type === "QRCODE" || !c.code_type ? "code.qr" : "code.barcode");
  }
  const s = WORDS["code." + c.kind];
  return typeof s === "string" ? s : "";
}

// In the override details: the kind in words, its masked form, and the reader that read it.
function credentialText(e) {
  const c = e.credential || {};
  return [codeText(e), c.masked, c.reader && t("code.reader", { reader: c.reader })].filter(Boolean).join(" · ");
}

function tempText(e) {
  const tp = e.temperature || {};
  if (tp.value_c == null) return t("temp.none");
  const v = `${Number(tp.value_c).toFixed(1)} °C`;
  return tp.sensor === "handheld" ? `${v} (${t("temp.handheld")})` : v;
}

function reasonLine(e) {
  if (e.ref && e.operator && e.operator.reason) return e.operator.reason;
  return (e.reasons || []).map(reasonText).join(" · ");
}

// Long words (English) or many reasons must not spill off a small screen: shrink the
// reason line first, then the whole card, until it fits.
function fitCard() {
  const s = verdict.style;
  const over = () => verdict.scrollHeight > verdict.clientHeight + 1 || verdict.scrollWidth > verdict.clientWidth + 1;
  s.setProperty("--fit", "1");
  s.setProperty("--fit-reason", "1");
  for (let r = 0.9; over() && r > 0.65; r -= 0.1) s.setProperty("--fit-reason", r.toFixed(2));
  for (let f = 0.92; over() && f > 0.45; f -= 0.08) s.setProperty("--fit", f.toFixed(2));
}
window.addEventListener("resize", fitCard);

// -- the one place the card's message changes: spoken prompts hook in here ----------
function announce(phrase) {
  if (window.kioskVoice) kioskVoice.say(phrase);
}

function fillCard(cls, symbol, word, lines) {
  verdict.className = "verdict " + cls;
  verdict.querySelector(".symbol").textContent = symbol;
  verdict.querySelector(".word").textContent = word;
  for (const k of ["who", "temp", "reason", "next"]) verdict.querySelector("." + k).textContent = (lines || {})[k] || "";
  document.getElementById("fault-action").hidden = true;
}

// What stops or changes the volunteer's work, said on the card itself.
function deviceFault() {
  if (DEVICE_FAULTS.includes(devices.camera)) return "camera";
  if (DEVICE_FAULTS.includes(devices.relay)) return "gate";
  // Screening off needs no temperature: a thermometer down is only the status bar's amber.
  if (DEVICE_FAULTS.includes(devices.thermometer) && screening !== "off") return "thermometer";
  return null;
}

// Between people: the fault if a part is down, otherwise the prompt.
function setPrompt(kind) {
  lastPrompt = kind;
  const fault = deviceFault();
  verdict.dataset.decision = "";
  verdict.dataset.prompt = kind;
  verdict.dataset.fault = fault || "";
  if (fault) {
    fillCard("fault", SYMBOL.fault, t("fault." + fault));
    document.getElementById("fault-action").hidden = fault !== "thermometer";
  } else {
    fillCard("idle", "", t("prompt." + kind));
    announce(kind);
  }
  mirrorStrip();
  fitCard();
}

function flash() {
  flashes += 1;
  verdict.dataset.flashes = String(flashes);
  verdict.classList.remove("flash");
  void verdict.offsetWidth;   // restart the animation for a second verdict of the same kind
  verdict.classList.add("flash");
}

function showDecision(e) {
  verdict.dataset.decision = e.decision;
  verdict.dataset.seq = e.seq;
  verdict.dataset.prompt = "";
  verdict.dataset.fault = "";
  // How long after it was journaled this card went up (same clock: the kiosk's own screen).
  verdict.dataset.lagMs = String(Date.now() - Date.parse(e.ts));
  fillCard(e.decision, SYMBOL[e.decision] || "", t("verdict." + e.decision),
    { who: whoText(e), temp: tempText(e), reason: reasonLine(e) });
  flash();
  mirrorStrip();
  fitCard();
  clearTimeout(idleTimer);
  holdUntil = e.decision === "refer" ? Date.now() + PAGE.hold_s * 1000 : 0;
  lastPrompt = "show_code";
  idleTimer = setTimeout(() => { holdUntil = 0; setPrompt(lastPrompt); }, PAGE.hold_s * 1000);
  if (e.decision === "admit" || e.decision === "deny") beep(e.decision);
  if (window.kioskVoice) kioskVoice.decision(e);   // the refer chime, then 请等待工作人员
}

// -- sounds: made here, no files; none in the configured quiet hours ---------------
let audio = null;
function quietNow() {
  if (!PAGE.quiet_hours) return false;
  const [a, b] = PAGE.quiet_hours.split("-").map((s) => { const [h, m] = s.split(":"); return +h * 60 + +m; });
  const d = new Date(), now = d.getHours() * 60 + d.getMinutes();
  return a <= b ? (now >= a && now < b) : (now >= a || now < b);
}
function beep(kind) {
  if (!PAGE.sounds || quietNow()) return;
  document.body.dataset.sound = kind;
  try {
    audio = audio || new AudioContext();
    const notes = kind === "admit" ? [[880, 0, 0.12], [1320, 0.15, 0.18]] : [[220, 0, 0.7]];
    for (const [f, start, len] of notes) {
      const o = audio.createOscillator(), g = audio.createGain();
      o.type = kind === "admit" ? "sine" : "square";
      o.frequency.value = f;
      g.gain.value = kind === "admit" ? 0.3 : 0.15;
      o.connect(g).connect(audio.destination);
      o.start(audio.currentTime + start);
      o.stop(audio.currentTime + start + len);
    }
  } catch (err) { /* no audio device: the card still shows */ }
}

// -- the queue of people waiting for a volunteer ------------------------------------
// Repeats of the same pass or code are one row with a count; a case older than
// [ui] queue_ttl_s has most likely walked off and moves to the missed list.
function identity(e) {
  const c = e.credential || {};
  return c.pass_id || c.hash || (c.kind || "") + ":" + (c.masked || e.id);
}

function groupQueue(items) {
  const groups = new Map();
  for (const e of items) {          // newest first
    const key = identity(e);
    if (!groups.has(key)) groups.set(key, { latest: e, ids: [] });
    groups.get(key).ids.push(e.id);
  }
  return [...groups.values()];
}

function isMissed(g) {
  return Date.now() - Date.parse(g.latest.ts) > PAGE.queue_ttl_s * 1000;
}

function rowText(e) {
  return [whoText(e), codeText(e), reasonLine(e)].filter(Boolean).join(" · ");
}

// The time over its zone in small type: as narrow as the time alone, so a row's words keep their room.
function timeCell(e) {
  const span = el("span", { class: "time", "data-testid": "queue-time" }, siteTime(e.ts));
  span.append(el("small", { class: "zone" }, SITE_ZONE.offset));
  return span;
}

function queueRow(g) {
  const e = g.latest;
  const li = el("li", { "data-testid": "queue-item", "data-id": e.id, "data-seq": e.seq, "data-count": g.ids.length });
  // The whole row is the tap target: one button filling the list item.
  const b = el("button", { type: "button", class: "row", "data-testid": "queue-open" });
  b.append(timeCell(e));
  b.append(el("span", { class: "what" }, rowText(e)));
  if (g.ids.length > 1) b.append(el("span", { class: "count", "data-testid": "queue-repeat" }, "×" + g.ids.length));
  b.addEventListener("click", () => openOverride(g));
  li.append(b);
  return li;
}

function missedRow(g) {
  const e = g.latest;
  const li = el("li", { "data-testid": "missed-item", "data-id": e.id, "data-count": g.ids.length });
  li.append(timeCell(e));
  li.append(el("span", { class: "what" }, rowText(e) + (g.ids.length > 1 ? " ×" + g.ids.length : "")));
  const b = el("button", { type: "button", "data-testid": "missed-left" }, t("queue.left"));
  b.addEventListener("click", () => dismiss([g]));
  li.append(b);
  return li;
}

let queueShown = "";
function renderQueue(items) {
  queue = items;
  const groups = groupQueue(items);
  const live = groups.filter((g) => !isMissed(g)), missed = groups.filter(isMissed);
  // Redraw only on a change: a row replaced under a gloved finger would lose the tap.
  const shown = JSON.stringify([live, missed].map((gs) => gs.map((g) => g.ids)));
  if (shown === queueShown) return;
  queueShown = shown;
  document.getElementById("queue-count").textContent = live.length;
  document.getElementById("queue-empty").hidden = live.length > 0;
  queueList.replaceChildren(...live.map(queueRow));
  const open = document.getElementById("missed-open");
  open.hidden = missed.length === 0;
  open.textContent = t("missed.button", { n: missed.length });
  document.getElementById("missed").replaceChildren(...missed.map(missedRow));
  if (missed.length === 0 && missedDialog.open) missedDialog.close();
}
setInterval(() => renderQueue(queue), 5000);

function renderToday(c) {
  for (const k of ["in", "out", "denied", "fevers"]) document.getElementById("count-" + k).textContent = c[k];
}

function renderSummary(s) {
  if (s.today) renderToday(s.today);
  if (s.queue) renderQueue(s.queue);
}

function renderStatus(s) {
  renderHealth(s);
  const before = deviceFault();
  devices = s.devices || {};
  screening = s.screening || "";
  if (deviceFault() !== before && !verdict.dataset.decision) setPrompt(lastPrompt);
  const h = document.getElementById("handheld-waiting");
  h.hidden = !s.handheld;
  if (s.handheld) h.textContent = t("handheld.waiting", { value: s.handheld.value_c.toFixed(1) });
}

// -- settling cases: the override, and 人员已离开 for the missed ---------------------
const dialog = document.getElementById("override-dialog");
const missedDialog = document.getElementById("missed-dialog");
let current = null;

// The card, small, inside the dialog: the gate goes on while a volunteer settles a case.
function mirrorStrip() {
  const strip = document.getElementById("live-strip");
  strip.className = "live-strip " + (verdict.dataset.decision || (verdict.dataset.fault ? "fault" : "idle"));
  strip.textContent = [verdict.querySelector(".symbol").textContent, verdict.querySelector(".word").textContent,
    verdict.querySelector(".who").textContent].filter(Boolean).join("  ");
}

function openOverride(g) {
  current = g;
  const e = g.latest;
  const dl = document.getElementById("override-details");
  const rows = [
    ["detail.seq", "#" + e.seq + (g.ids.length > 1 ? " ×" + g.ids.length : "")],
    ["detail.time", zoned(siteTime(e.ts, true))],
    ["detail.household", whoText(e)],
    ["detail.code", credentialText(e)],
    ["detail.temperature", tempText(e)],
    ["detail.reasons", reasonLine(e)],
  ];
  dl.replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, t(k)), el("dd", {}, v)]));
  document.getElementById("override-form").reset();
  for (const b of dialog.querySelectorAll("[data-reason]")) b.setAttribute("aria-pressed", "false");
  document.getElementById("override-error").textContent = "";
  mirrorStrip();
  dialog.showModal();
}

// Every entry of a merged row is settled, each by its own override entry.
async function settle(ids, decision, reason) {
  for (const id of ids) {
    const r = await volunteerPost(`/referrals/${id}/override`, { decision, reason });
    if (!r.ok) return r;
  }
  return { ok: true };
}

async function submitOverride(decision) {
  const form = document.getElementById("override-form");
  const typed = form.elements.reason_other.value.trim();
  const chosen = dialog.querySelector('[data-reason][aria-pressed="true"]');
  const reason = typed || (chosen ? chosen.dataset.reason : "");
  const error = document.getElementById("override-error");
  if (!reason) { error.textContent = t("override.need_reason"); return; }
  const r = await settle(current.ids, decision, reason);
  if (r.ok) { dialog.close(); current = null; }
  else error.textContent = (r.body && r.body.message) || t("error.generic");
}

async function dismiss(groups) {
  const r = await settle(groups.flatMap((g) => g.ids), "deny", t("queue.left"));
  document.getElementById("missed-error").textContent = r.ok ? "" : ((r.body && r.body.message) || t("error.generic"));
}

for (const b of dialog.querySelectorAll("[data-reason]")) {
  b.addEventListener("click", () => {
    for (const o of dialog.querySelectorAll("[data-reason]")) o.setAttribute("aria-pressed", String(o === b));
    document.getElementById("override-error").textContent = "";
  });
}
document.getElementById("override-cancel").addEventListener("click", () => dialog.close());
for (const b of dialog.querySelectorAll("button[data-decision]")) {
  b.addEventListener("click", () => submitOverride(b.dataset.decision));
}
document.getElementById("missed-open").addEventListener("click", () => missedDialog.showModal());
document.getElementById("missed-close").addEventListener("click", () => missedDialog.close());
document.getElementById("missed-all").addEventListener("click", () => dismiss(groupQueue(queue).filter(isMissed)));

// -- camera preview: streams only while this page is visible ------------------------
const preview = document.getElementById("preview");
function previewOn(on) {
  if (on) preview.src = "/preview.mjpg?t=" + Date.now();
  else preview.removeAttribute("src");
}
document.addEventListener("visibilitychange", () => previewOn(!document.hidden));
preview.addEventListener("error", () => setTimeout(() => previewOn(!document.hidden), 2000));

// -- the event stream ---------------------------------------------------------------
const banner = document.getElementById("disconnected");
const source = new EventSource("/events");
source.addEventListener("open", () => { banner.hidden = true; document.body.dataset.connected = "1"; });
source.addEventListener("error", () => {
  banner.hidden = false;
  document.body.dataset.connected = "0";
});
source.addEventListener("snapshot", (m) => {
  const s = JSON.parse(m.data);
  renderStatus(s.status);
  renderSummary(s);
  if (!document.hidden) previewOn(true);
});
source.addEventListener("status", (m) => renderStatus(JSON.parse(m.data)));
source.addEventListener("summary", (m) => renderSummary(JSON.parse(m.data)));
source.addEventListener("decision", (m) => {
  const received = performance.now();
  showDecision(JSON.parse(m.data));
  // For bench/ui_bench.py: from the event's arrival to the frame that shows the card.
  requestAnimationFrame(() => { verdict.dataset.paintMs = (performance.now() - received).toFixed(2); });
});
source.addEventListener("prompt", (m) => {
  const p = JSON.parse(m.data).prompt;
  if (p === "remeasure" && verdict.dataset.decision) {
    // Keep the verdict up and add the instruction under it.
    verdict.querySelector(".next").textContent = t("prompt.remeasure");
    verdict.dataset.prompt = p;
    announce(p);
    fitCard();
  } else if (verdict.dataset.decision === "refer" && Date.now() < holdUntil) {
    // The refer card waits for the volunteer; the next person's prompt goes under it.
    lastPrompt = p;
    verdict.querySelector(".next").textContent = t("verdict.next") + " " + t("prompt." + p);
    fitCard();
    announce(p);
  } else {
    clearTimeout(idleTimer);
    setPrompt(p);   // a new person is in front: the last verdict is no longer theirs
  }
});
setPrompt("show_code");

// -- visitors who registered on their own phones -------------------------------------
// The queue row says what the volunteer checks (masked name, household, origin, the two
// answers), and a risk-free one, referred only by the site's rule, is let in with one tap.
function selfRegisteredText(v, c) {
  const asked = v.contact !== null && v.contact !== undefined || v.symptoms !== null && v.symptoms !== undefined;
  const answers = v.contact || v.symptoms
    ? [v.contact && t("visitor.contact"), v.symptoms && t("visitor.symptoms")].filter(Boolean).join("、")
    : t(asked ? "visitor.no_risk" : "visitor.not_asked");
  return [t("who.visitor") + " " + (v.name_masked || ""), c.household && formatHousehold(c.household),
    v.origin_name || v.origin, answers].filter(Boolean).join(" · ");
}

function oneTapConfirm(e) {
  const v = e && e.visitor;
  return Boolean(e && e.decision === "refer" && v && v.self_registered && !v.contact && !v.symptoms
    && (e.reasons || []).every((r) => r === "visitor_self_registered"));
}

function addConfirmButtons(items) {
  const byId = new Map(items.map((e) => [e.id, e]));
  for (const li of queueList.querySelectorAll('[data-testid="queue-item"]')) {
    const e = byId.get(li.dataset.id);
    if (!(e && e.visitor && e.visitor.self_registered)) continue;
    li.classList.add("declared");     // all of what they declared shows, on two lines if need be
    if (!oneTapConfirm(e)) continue;
    const ok = el("button", { type: "button", class: "admit", "data-testid": "queue-confirm" }, t("queue.confirm"));
    ok.addEventListener("click", () => {
      volunteerPost(`/referrals/${e.id}/override`, { decision: "admit", reason: t("override.self_registered") });
    });
    li.append(ok);
  }
}

const renderQueueRows = renderQueue;
renderQueue = function (items) {
  renderQueueRows(items);
  addConfirmButtons(items);
};
