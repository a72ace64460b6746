// Live verdicts over server-sent events. EventSource reconnects by itself when the kiosk restarts.
const WORDS = { admit: "通行", deny: "禁止", refer: "请人工核验" };
const verdict = document.getElementById("verdict");
const recent = document.getElementById("recent");
let idleTimer = null;

function line(e) {
  const t = e.temperature && e.temperature.value_c != null ? `${e.temperature.value_c.toFixed(1)}°C` : "—";
  return `#${e.seq} ${WORDS[e.decision] || e.decision} ${t} ${(e.reasons || []).join(",")}`;
}

function show(e) {
  verdict.className = "verdict " + e.decision;
  verdict.querySelector(".word").textContent = WORDS[e.decision] || e.decision;
  verdict.querySelector(".detail").textContent = line(e);
  verdict.dataset.seq = e.seq;
  const li = document.createElement("li");
  li.textContent = line(e);
  li.dataset.seq = e.seq;
  recent.prepend(li);
  while (recent.children.length > 10) recent.lastChild.remove();
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    verdict.className = "verdict idle";
    verdict.querySelector(".word").textContent = "请出示通行码";
  }, 5000);
}

const src = new EventSource("/events");
src.addEventListener("open", () => { document.getElementById("connection").textContent = "●"; });
src.addEventListener("error", () => { document.getElementById("connection").textContent = "○"; });
src.addEventListener("snapshot", (m) => {
  const s = JSON.parse(m.data);
  recent.innerHTML = "";
  s.recent.slice().reverse().forEach((e) => {
    const li = document.createElement("li"); li.textContent = line(e); li.dataset.seq = e.seq; recent.prepend(li);
  });
});
src.addEventListener("decision", (m) => show(JSON.parse(m.data)));
