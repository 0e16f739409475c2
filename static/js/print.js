// The print pages' "Drucken" button: shown only when this script runs, since it needs it.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
