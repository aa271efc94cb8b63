// Progressive enhancement for the member pages: a live character counter on the composer.
// Every page works without this script.
"use strict";
for (const area of document.querySelectorAll("textarea[data-max]")) {
  const max = Number(area.dataset.max);
  const counter = document.getElementById(area.getAttribute("aria-describedby"));
  if (!counter || !max) continue;
  const warning = area.form && area.form.querySelector("input[name=spoiler_text]");
  const update = () => {
    const used = [...area.value].length + (warning ? [...warning.value].length : 0);
    const left = max - used;
    counter.textContent = left >= 0 ? `${left} characters left` : `${-left} characters over the limit`;
    counter.classList.toggle("error", left < 0);
  };
  area.addEventListener("input", update);
  if (warning) warning.addEventListener("input", update);
  update();
}
