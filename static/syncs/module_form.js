// The wizard's last step and the module editor: + add a watermark / hook, and the warning while
// the query's {tokens} and the watermark names differ. A file, not inline: the CSP allows no inline script.
(function () {
  const query = document.getElementById("id_source_query");
  const rows = document.getElementById("watermark-rows");
  const warning = document.getElementById("token-warning");

  function check() {
    const tokens = new Set(Array.from(query.value.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g), (m) => m[1]));
    const kept = Array.from(rows.querySelectorAll("tr")).filter((tr) => !tr.querySelector('input[name$="-DELETE"]:checked'));
    const names = new Set(kept.map((tr) => tr.querySelector('input[name$="-name"]').value.trim()).filter(Boolean));
    const missing = [...tokens].filter((t) => !names.has(t));
    const unused = [...names].filter((n) => !tokens.has(n));
    const parts = [];
    if (missing.length) parts.push("The query uses " + missing.map((t) => "{" + t + "}").join(", ") + " but no watermark has that name.");
    if (unused.length) parts.push("Not used in the query: watermark " + unused.join(", ") + ".");
    warning.textContent = parts.join(" ");
    warning.hidden = parts.length === 0;
  }

  // A button data-rows="<tbody id>" data-template="<template id>" data-prefix="<formset prefix>" adds a row.
  document.querySelectorAll("button[data-rows]").forEach(function (button) {
    button.addEventListener("click", function () {
      const total = document.getElementById("id_" + button.dataset.prefix + "-TOTAL_FORMS");
      const template = document.getElementById(button.dataset.template);
      document.getElementById(button.dataset.rows).insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, total.value));
      total.value = Number(total.value) + 1;
      check();
    });
  });
  query.addEventListener("input", check);
  rows.addEventListener("input", check);
  rows.addEventListener("change", check);
  check();
})();
