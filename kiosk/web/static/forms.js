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
  const PICKERS = JSON.parse(document.getElementById("pickers").textContent);
  const idInput = visitor.elements.id_number;
  let idNumber = "";   // the full number, kept only in this page until it is sent

  function fieldError(name, message) {
    const e = visitor.querySelector(`[data-error-for="${name}"]`);
    if (e) e.textContent = message || "";
  }

  // A field's error goes as soon as the field is right; the server says what is wrong.
  const CHECKS = {
    phone: (v) => /^1\d{10}$/.test(v),
    going_to: (v) => !!v, coming_from: (v) => !!v, heading_to: (v) => !!v,
    contact: (v) => !!v, symptoms: (v) => !!v,
  };
  function recheck(name) {
    const value = (visitor.elements[name] || {}).value || "";
    if (CHECKS[name] && CHECKS[name](value)) fieldError(name, "");
  }

  function options(select, items, placeholder) {
    select.replaceChildren(el("option", { value: "" }, placeholder),
      ...items.map(([value, label]) => el("option", { value }, label)));
  }

  // building -> unit -> room, from the households the registry names.
  function householdPicker(fs) {
    const [b, u, r] = ["building", "unit", "room"].map((p) => fs.querySelector(`[data-part="${p}"]`));
    const hidden = visitor.elements[fs.dataset.field];
    const split = PICKERS.households.map((h) => h.split("-"));
    const uniq = (xs) => [...new Set(xs)].sort((x, y) => x.localeCompare(y, undefined, { numeric: true }));
    const parts = (i, keep) => uniq(split.filter(keep).map((p) => p[i]));
    options(b, parts(0, () => true).map((v) => [v, t("who.building", { building: v })]), t("visitor.building"));
    const update = () => {
      hidden.value = b.value && u.value && r.value ? `${b.value}-${u.value}-${r.value}` : "";
      recheck(fs.dataset.field);
    };
    b.addEventListener("change", () => {
      const units = parts(1, (p) => p[0] === b.value);
      options(u, units.map((v) => [v, t("who.unit", { unit: v })]), t("visitor.unit"));
      options(r, [], t("visitor.room"));
      update();
    });
    u.addEventListener("change", () => {
      const rooms = parts(2, (p) => p[0] === b.value && p[1] === u.value);
      options(r, rooms.map((v) => [v, v]), t("visitor.room"));
      update();
    });
    r.addEventListener("change", update);
  }

  // province -> city, from GB/T 2260; the answer is the names, as a person would say them.
  function divisionPicker(fs) {
    const [p, c] = ["province", "city"].map((x) => fs.querySelector(`[data-part="${x}"]`));
    const hidden = visitor.elements[fs.dataset.field];
    const en = document.body.dataset.lang === "en";
    options(p, PICKERS.divisions.map((d) => [d.code, en && d.name_en ? d.name_en : d.name]), t("visitor.province"));
    const province = () => PICKERS.divisions.find((d) => d.code === p.value);
    p.addEventListener("change", () => {
      const d = province();
      options(c, d ? d.cities.map((x) => [x.code, x.name]) : [], t("visitor.city"));
      if (d && d.cities.length === 1) c.value = d.cities[0].code;
      c.dispatchEvent(new Event("change"));
    });
    c.addEventListener("change", () => {
      const d = province(), city = d && d.cities.find((x) => x.code === c.value);
      hidden.value = city ? (city.code === d.code ? d.name : `${d.name} ${city.name}`) : "";
      recheck(fs.dataset.field);
    });
  }

  // Yes/no as two big segments; nothing is chosen until someone asks the question.
  function yesNo(fs) {
    const hidden = visitor.elements[fs.dataset.field];
    for (const b of fs.querySelectorAll("[data-answer]")) {
      b.addEventListener("click", () => {
        for (const o of fs.querySelectorAll("[data-answer]")) o.setAttribute("aria-pressed", String(o === b));
        hidden.value = b.dataset.answer;
        recheck(fs.dataset.field);
      });
    }
  }

  for (const fs of visitor.querySelectorAll('[data-picker="household"]')) householdPicker(fs);
  for (const fs of visitor.querySelectorAll('[data-picker="division"]')) divisionPicker(fs);
  for (const fs of visitor.querySelectorAll(".yesno")) yesNo(fs);
  visitor.elements.phone.addEventListener("input", () => recheck("phone"));
  activatePadInput(visitor.elements.phone);

  async function checkId() {
    if (!idInput) return;   // not asked: the site's declaration in this screening mode
    const typed = idInput.value.trim().toUpperCase();
    if (!typed || typed.includes("*")) return;
    const r = await fetch("/visitors/check-id", {
      method: "POST", headers: { "Content-Type": "application/json", "X-CSRFToken": CSRF },
      body: JSON.stringify({ id_number: typed }),
    });
    const body = await r.json();
    if (r.ok) {
      idNumber = typed;
      idInput.value = body.masked;
      idInput.classList.add("masked");
      fieldError("id_number", "");
    } else {
      idNumber = "";
      fieldError("id_number", body.message);
    }
  }
  if (idInput) {
    idInput.addEventListener("input", () => { if (idInput.value.length >= 18) checkId(); });
    idInput.addEventListener("blur", checkId);
    const unmask = () => {
      if (idInput.classList.contains("masked")) { idInput.value = ""; idNumber = ""; idInput.classList.remove("masked"); }
    };
    idInput.addEventListener("focus", unmask);
    idInput.addEventListener("pointerdown", unmask);
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
    for (const [name, msg] of Object.entries(fields)) fieldError(name, msg);
    document.getElementById("visitor-error").textContent = (r.body && r.body.message) || "";
  });
}
