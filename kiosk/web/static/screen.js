// The verdict screen: server-sent events in, one big card per person out.
// EventSource reconnects by itself when the kiosk restarts; each (re)connect starts
// with a snapshot, so the page is whole again at once. Unknown event types are ignored.
"use strict";
const PAGE = JSON.parse(document.getElementById("page").textContent);
const verdict = document.getElementById("verdict");
const queueList = document.getElementById("queue");
let idleTimer = null;
let queue = [];

function maskName(name) {
  if (!name) return "";
  const chars = Array.from(name);
  return chars[0] + "*".repeat(Math.max(1, chars.length - 1));
}

function whoText(e) {
  const c = e.credential || {};
  const parts = [];
  const visitor = e.visitor;
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

function setPrompt(kind) {
  verdict.className = "verdict idle";
  verdict.dataset.decision = "";
  verdict.querySelector(".word").textContent = t("prompt." + kind);
  for (const k of ["who", "temp", "reason"]) verdict.querySelector("." + k).textContent = "";
  verdict.dataset.prompt = kind;
  fitCard();
  if (window.kioskVoice) kioskVoice.say(kind);
}

function showDecision(e) {
  verdict.className = "verdict " + e.decision;
  verdict.dataset.decision = e.decision;
  verdict.dataset.seq = e.seq;
  verdict.dataset.prompt = "";
  // How long after it was journaled this card went up (same clock: the kiosk's own screen).
  verdict.dataset.lagMs = String(Date.now() - Date.parse(e.ts));
  verdict.querySelector(".word").textContent = t("verdict." + e.decision);
  verdict.querySelector(".who").textContent = whoText(e);
  verdict.querySelector(".temp").textContent = tempText(e);
  verdict.querySelector(".reason").textContent = reasonLine(e);
  fitCard();
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => setPrompt("show_code"), PAGE.hold_s * 1000);
  if (e.decision === "admit" || e.decision === "deny") beep(e.decision);
  if (window.kioskVoice) kioskVoice.decision(e);
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
function renderQueue(items) {
  queue = items;
  document.getElementById("queue-count").textContent = items.length;
  document.getElementById("queue-empty").hidden = items.length > 0;
  queueList.replaceChildren(...items.map((e) => {
    const li = el("li", { "data-testid": "queue-item", "data-id": e.id, "data-seq": e.seq });
    const time = new Date(e.ts).toLocaleTimeString(PAGE.lang === "zh" ? "zh-CN" : "en-GB",
      { hour: "2-digit", minute: "2-digit" });
    li.append(el("span", { class: "time" }, time));
    li.append(el("span", { class: "what" }, [whoText(e), reasonLine(e)].filter(Boolean).join(" · ")));
    const b = el("button", { type: "button", "data-testid": "queue-open" }, t("queue.open"));
    b.addEventListener("click", () => openOverride(e));
    li.append(b);
    return li;
  }));
}

function renderToday(c) {
  for (const k of ["in", "out", "denied", "fevers"]) document.getElementById("count-" + k).textContent = c[k];
}

function renderSummary(s) {
  if (s.today) renderToday(s.today);
  if (s.queue) renderQueue(s.queue);
}

function renderStatus(s) {
  renderHealth(s);
  const h = document.getElementById("handheld-waiting");
  h.hidden = !s.handheld;
  if (s.handheld) h.textContent = t("handheld.waiting", { value: s.handheld.value_c.toFixed(1) });
}

// -- override ----------------------------------------------------------------------
const dialog = document.getElementById("override-dialog");
let current = null;

function openOverride(e) {
  current = e;
  const dl = document.getElementById("override-details");
  const rows = [
    ["detail.seq", "#" + e.seq],
    ["detail.time", new Date(e.ts).toLocaleString(PAGE.lang === "zh" ? "zh-CN" : "en-GB")],
    ["detail.household", whoText(e)],
    ["detail.code", (e.credential || {}).code_type || (e.credential || {}).kind || ""],
    ["detail.temperature", tempText(e)],
    ["detail.reasons", reasonLine(e)],
  ];
  dl.replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, t(k)), el("dd", {}, v)]));
  document.getElementById("override-form").reset();
  document.getElementById("override-error").textContent = "";
  dialog.showModal();
}

async function submitOverride(decision) {
  const form = document.getElementById("override-form");
  const typed = form.elements.reason_other.value.trim();
  const chosen = form.querySelector('input[name="reason"]:checked');
  const reason = typed || (chosen ? chosen.value : "");
  const error = document.getElementById("override-error");
  if (!reason) { error.textContent = t("override.need_reason"); return; }
  const r = await volunteerPost(`/referrals/${current.id}/override`, { decision, reason });
  if (r.ok) { dialog.close(); current = null; }
  else error.textContent = (r.body && r.body.message) || t("error.generic");
}

document.getElementById("override-cancel").addEventListener("click", () => dialog.close());
for (const b of dialog.querySelectorAll("button[data-decision]")) {
  b.addEventListener("click", () => submitOverride(b.dataset.decision));
}

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
source.addEventListener("decision", (m) => showDecision(JSON.parse(m.data)));
source.addEventListener("prompt", (m) => {
  const p = JSON.parse(m.data).prompt;
  if (p === "remeasure" && verdict.dataset.decision) {
    // Keep the verdict up and add the instruction under it.
    verdict.querySelector(".reason").textContent += " · " + t("prompt.remeasure");
    verdict.dataset.prompt = p;
    fitCard();
    if (window.kioskVoice) kioskVoice.say(p);
  } else {
    clearTimeout(idleTimer);
    setPrompt(p);   // a new person is in front: the last verdict is no longer theirs
  }
});
setPrompt("show_code");
