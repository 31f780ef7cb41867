// The print button on a 督办单: a static file, since the CSP allows no inline handlers.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print-notice");
  if (button) {
    button.addEventListener("click", function () { window.print(); });
  }
});
