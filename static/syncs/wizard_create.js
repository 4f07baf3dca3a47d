// The watermark rows of the wizard's last step: + add watermark, and the warning while the
// query's {tokens} and the watermark names differ. A file, not inline: the CSP allows no inline script.
(function () {
  const query = document.getElementById("id_source_query");
  const rows = document.getElementById("watermark-rows");
  const warning = document.getElementById("token-warning");
  const total = document.getElementById("id_watermarks-TOTAL_FORMS");
  const template = document.getElementById("watermark-template");

  function check() {
    const tokens = new Set(Array.from(query.value.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g), (m) => m[1]));
    const names = new Set(Array.from(rows.querySelectorAll('input[name$="-name"]'), (i) => i.value.trim()).filter(Boolean));
    const missing = [...tokens].filter((t) => !names.has(t));
    const unused = [...names].filter((n) => !tokens.has(n));
    const parts = [];
    if (missing.length) parts.push("The query uses " + missing.map((t) => "{" + t + "}").join(", ") + " but no watermark has that name.");
    if (unused.length) parts.push("Not used in the query: watermark " + unused.join(", ") + ".");
    warning.textContent = parts.join(" ");
    warning.hidden = parts.length === 0;
  }

  document.getElementById("add-watermark").addEventListener("click", function () {
    rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, total.value));
    total.value = Number(total.value) + 1;
    check();
  });
  query.addEventListener("input", check);
  rows.addEventListener("input", check);
  check();
})();
