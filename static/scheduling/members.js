// Drag a member row to another place: the new run order goes to the server in the order form,
// as the Up and Down buttons do one step at a time (they work without this script).
(function () {
  const rows = document.getElementById("member-rows");
  const form = document.getElementById("member-order");
  if (!rows || !form) return;
  let dragged = null;
  for (const row of rows.querySelectorAll("tr[draggable]")) {
    row.addEventListener("dragstart", (event) => {
      dragged = row;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", row.dataset.memberId);
      row.classList.add("dragging");
    });
    row.addEventListener("dragend", () => row.classList.remove("dragging"));
    row.addEventListener("dragover", (event) => event.preventDefault());
    row.addEventListener("drop", (event) => {
      event.preventDefault();
      if (!dragged || dragged === row) return;
      const box = row.getBoundingClientRect();
      const below = event.clientY > box.top + box.height / 2;
      rows.insertBefore(dragged, below ? row.nextSibling : row);
      form.elements.order.value = Array.from(rows.children, (r) => r.dataset.memberId).join(",");
      form.submit();
    });
  }
})();
