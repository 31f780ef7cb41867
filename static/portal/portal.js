// Served from the project (no CDN, no inline script: a CSP without 'unsafe-inline' applies).
// A form marked "once" disables its submit button after the first submit; the server's
// submission token is what really prevents duplicates, this only avoids confusion.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.classList || !form.classList.contains("once")) return;
  var buttons = form.querySelectorAll("button[type=submit]");
  window.setTimeout(function () {
    buttons.forEach(function (button) {
      button.disabled = true;
      button.textContent = "正在提交…";
    });
  }, 0);
});
