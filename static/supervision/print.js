// Print buttons (the 督办单 #print-notice, the monthly bulletin's [data-print]): a static
// file, since the CSP allows no inline handlers.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("#print-notice, [data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});
