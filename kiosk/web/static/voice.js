// Spoken prompts and the refer chime, through one <audio> element.
// The kiosk decides what may sound now (speech off, quiet hours, no tones): a silent
// answer is 204, which plays as nothing. Chromium in kiosk mode needs
// --autoplay-policy=no-user-gesture-required, or play() is refused until a touch.
//
//   kioskVoice.say(name)       a prompt: show_code, measure, remeasure (after a verdict being
//                              said; an older prompt is cut off)
//   kioskVoice.chime("refer")  the refer chime
//   kioskVoice.decision(entry) the verdict's words (admit, pass, deny, deny_other, or the refer
//                              chime then wait_volunteer), at once, cutting off anything older
"use strict";
(function () {
  const audio = document.createElement("audio");
  audio.preload = "auto";
  audio.dataset.testid = "voice";
  audio.hidden = true;
  document.body.append(audio);

  let queue = [];
  let plays = 0;
  let current = null;
  let lastPrompt = "show_code";   // the page opens on this prompt: no need to say it
  const log = [];                 // what was asked and when it sounded (tests, bench/speech_bench.py)

  function next() {
    current = queue.shift() || null;
    if (!current) return;
    // A fresh URL each time: Chromium would replay its in-memory copy of a URL it has
    // played, and the kiosk must be asked every time (quiet hours begin and end).
    audio.src = `/audio/${current.name}.wav?n=${++plays}`;
    const item = current;
    // Refused (autoplay) or nothing to play (quiet hours): the card still shows.
    audio.play().catch((err) => finish(item, err.name));
  }
  // An item ends once (a 204 both rejects play() and fires "error"); only the current one moves on.
  function finish(it, error) {
    if (!it || it !== current) return;
    if (error) it.error = error; else it.ended = performance.now();
    next();
  }
  audio.addEventListener("playing", () => {
    if (!current || current.started != null) return;
    current.started = performance.now();
    current.src = audio.currentSrc;
    document.body.dataset.voice = current.name;
  });
  audio.addEventListener("ended", () => finish(current, null));
  audio.addEventListener("error", () => finish(current, "error"));

  function item(name) {
    const it = { name, asked: performance.now(), started: null, ended: null, error: null, src: null };
    log.push(it);
    if (log.length > 50) log.shift();
    return it;
  }

  function interrupt(names) {
    queue = names.map((n) => Object.assign(item(n), { kind: "verdict" }));
    if (current) audio.pause();
    next();
  }

  function phraseFor(e) {
    const reasons = e.reasons || [];
    const measured = e.temperature && e.temperature.value_c != null;
    // Say only what is true: "体温正常" needs a reading judged normal (not a fever let
    // through in record, not a reading screening "off" never judged), and a refused pass is no fever.
    const judgedNormal = measured && !e.ref && e.screening !== "off" && !reasons.includes("fever_recorded");
    if (e.decision === "admit") return judgedNormal ? "admit" : "pass";
    if (e.decision === "deny") return reasons.includes("fever") ? "deny" : "deny_other";
    return "wait_volunteer";
  }

  window.kioskVoice = {
    say(name) {
      if (name === lastPrompt && name === "show_code") return;
      lastPrompt = name;
      // A newer prompt replaces an older one, even mid-word (请测温 is stale once 请重新测温
      // is asked); a verdict being said finishes first.
      const it = item(name);
      it.kind = "prompt";
      if (current && current.kind !== "prompt") {
        queue = queue.filter((q) => q.kind !== "prompt").concat(it);
      } else {
        queue = [it];
        if (current) audio.pause();
        next();
      }
    },
    chime(kind) { interrupt([`chime-${kind}`]); },
    decision(e) {
      lastPrompt = null;
      const phrase = phraseFor(e);
      interrupt(e.decision === "refer" ? ["chime-refer", phrase] : [phrase]);
    },
    log,
    element: audio,
  };
})();
