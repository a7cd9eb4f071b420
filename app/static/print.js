// The printable report's "Cetak" button (no inline scripts: the console's CSP forbids them).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
