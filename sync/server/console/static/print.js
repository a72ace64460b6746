// The pass sheet's print button (a script file: the Content-Security-Policy runs no inline code).
"use strict";
for (const b of document.querySelectorAll("[data-print]")) b.addEventListener("click", () => window.print());
