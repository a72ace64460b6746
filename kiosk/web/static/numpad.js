// On-page number pads: a gate kiosk has no keyboard, and the system's on-screen keyboard
// covers half a 7-inch screen. A pad is <div class="numpad" data-pad-for="ID"
// data-pad-keys="digits|decimal|id">; it types into the input ID (or, with
// data-pad-for="", into whichever input marked data-pad was touched last). The inputs
// keep inputmode="none", so an attached keyboard still types and nothing pops up.
"use strict";

const PAD_EXTRA = { digits: "", decimal: ".", id: "X" };

function padTarget(pad) {
  const id = pad.dataset.padFor || pad.dataset.active;
  return id ? document.getElementById(id) : null;
}

function padPress(pad, key) {
  const input = padTarget(pad);
  if (!input || input.readOnly) return;
  // A shared pad offers X for ID numbers; a phone field takes digits only.
  const extra = PAD_EXTRA[input.dataset.pad || pad.dataset.padKeys || "digits"];
  if ((key === "X" || key === ".") && key !== extra) return;
  const max = input.maxLength > 0 ? input.maxLength : 64;
  if (key === "back") input.value = input.value.slice(0, -1);
  else if (key === "clear") input.value = "";
  else if (input.value.length < max) input.value += key;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

function buildPad(pad) {
  const extra = PAD_EXTRA[pad.dataset.padKeys || "digits"] || "";
  const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", extra || "clear", "0", "back"];
  const label = { back: "⌫", clear: t("pad.clear") };
  const spoken = { back: t("pad.back"), clear: t("pad.clear") };
  pad.setAttribute("role", "group");
  pad.replaceChildren(...keys.map((k) => {
    const b = el("button", { type: "button", class: "key", "data-key": k, "aria-label": spoken[k] || k },
      label[k] || k);
    // pointerdown, not click: a gloved press that slides a little still counts.
    b.addEventListener("pointerdown", (ev) => { ev.preventDefault(); padPress(pad, k); });
    b.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); padPress(pad, k); } });
    return b;
  }));
}

function activatePadInput(input) {
  for (const pad of document.querySelectorAll('.numpad[data-pad-for=""]')) {
    if (!pad.closest("form") || pad.closest("form") === input.form) {
      pad.dataset.active = input.id;
      for (const other of document.querySelectorAll("input[data-pad]")) other.classList.toggle("pad-active", other === input);
    }
  }
}

for (const pad of document.querySelectorAll(".numpad")) buildPad(pad);
for (const input of document.querySelectorAll("input[data-pad]")) {
  input.addEventListener("focus", () => activatePadInput(input));
  input.addEventListener("pointerdown", () => activatePadInput(input));
}
