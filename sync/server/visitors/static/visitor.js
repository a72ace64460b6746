// Where from: the city list shows only the cities of the province picked above it.
// Without this script the list shows every city, grouped by province, and still works.
"use strict";
const province = document.getElementById("f-province");
const city = document.getElementById("f-origin");
function filterCities() {
  const chosen = province.value;
  for (const group of city.querySelectorAll("optgroup")) {
    const show = !chosen || group.dataset.province === chosen;
    group.hidden = !show;
    group.disabled = !show;
  }
  const picked = city.selectedOptions[0];
  if (picked && picked.parentElement.disabled) city.value = "";
  const groups = [...city.querySelectorAll("optgroup:not([disabled])")];
  if (chosen && groups.length === 1 && groups[0].children.length === 1) city.value = groups[0].children[0].value;
}
if (province && city) {
  province.addEventListener("change", filterCities);
  filterCities();
}
