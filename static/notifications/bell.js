// The bell's unread count, refreshed every minute from the project's own API (no CDN).
(function () {
  "use strict";
  var bells = document.querySelectorAll("[data-bell-count]");
  if (!bells.length || !window.fetch) { return; }
  var url = bells[0].getAttribute("data-bell-url");
  function show(count) {
    bells.forEach(function (bell) {
      bell.textContent = count > 99 ? "99+" : String(count);
      bell.hidden = count === 0;
      var link = bell.closest("a");
      if (link) { link.setAttribute("aria-label", "消息,未读 " + count + " 条"); }
    });
  }
  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && typeof data.unread === "number") { show(data.unread); } })
      .catch(function () { /* offline or logged out: keep the last count */ });
  }
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { refresh(); }
  });
  window.setInterval(function () { if (!document.hidden) { refresh(); } }, 60000);
}());
