// The volunteer's forms (handheld reading, visitor registration): posted as JSON through
// volunteerPost, so a locked screen asks for the PIN and goes on.
"use strict";

function pollStatus() {
  fetch("/api/status").then((r) => r.json()).then(renderHealth).catch(() => {});
}
pollStatus();
setInterval(pollStatus, 5000);

const handheld = document.getElementById("handheld-form");
if (handheld) {
  handheld.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const error = document.getElementById("handheld-error");
    const saved = document.getElementById("handheld-saved");
    error.textContent = "";
    const r = await volunteerPost("/handheld/", { value_c: handheld.elements.value_c.value });
    if (r.ok) {
      saved.hidden = false;
      saved.textContent = r.body.message;
      handheld.reset();
    } else if (r.body && r.body.message) {
      error.textContent = r.body.message;
    }
  });
}

const visitor = document.getElementById("visitor-form");
if (visitor) {
  const idInput = visitor.elements.id_number;
  let idNumber = "";   // the full number, kept only in this page until it is sent

  async function checkId() {
    if (!idInput) return;   // not asked: the site's declaration in this screening mode
    const typed = idInput.value.trim();
    if (!typed || typed.includes("*")) return;
    const r = await fetch("/visitors/check-id", {
      method: "POST", headers: { "Content-Type": "application/json", "X-CSRFToken": CSRF },
      body: JSON.stringify({ id_number: typed }),
    });
    const body = await r.json();
    const err = visitor.querySelector('[data-error-for="id_number"]');
    if (r.ok) {
      idNumber = typed;
      idInput.value = body.masked;
      idInput.classList.add("masked");
      err.textContent = "";
    } else {
      idNumber = "";
      err.textContent = body.message;
    }
  }
  if (idInput) {
    idInput.addEventListener("blur", checkId);
    idInput.addEventListener("focus", () => {
      if (idInput.classList.contains("masked")) { idInput.value = ""; idNumber = ""; idInput.classList.remove("masked"); }
    });
  }

  visitor.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!idNumber) await checkId();
    const data = Object.fromEntries(new FormData(visitor).entries());
    if (idInput) data.id_number = idNumber || data.id_number;
    for (const e of visitor.querySelectorAll("[data-error-for]")) e.textContent = "";
    const r = await volunteerPost("/visitors/", data);
    if (r.ok) {
      window.location = r.body.pass_url;
      return;
    }
    const fields = (r.body && r.body.fields) || {};
    for (const [name, msg] of Object.entries(fields)) {
      const e = visitor.querySelector(`[data-error-for="${name}"]`);
      if (e) e.textContent = msg;
    }
    document.getElementById("visitor-error").textContent = (r.body && r.body.message) || "";
  });
}
