// Progress of a background job: polls its status URL until it is done or failed.
// Served from the project's static files (no CDN); the page works without it too
// (a reload shows the current state).
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status-url]");
  if (!box) return;
  var url = box.getAttribute("data-job-status-url");
  var bar = box.querySelector("[data-job-bar]");
  var label = box.querySelector("[data-job-label]");
  var count = box.querySelector("[data-job-count]");
  var download = box.querySelector("[data-job-download]");
  var result = box.querySelector("[data-job-result]");
  var failed = box.querySelector("[data-job-failed]");
  var error = box.querySelector("[data-job-error]");
  var waiting = box.querySelector("[data-job-waiting]");
  var delay = 1000;

  function show(state) {
    label.textContent = state.status_label;
    count.textContent = state.total === null ? "" : state.done + " / " + state.total + " " + state.count_label;
    if (state.percent === null) {
      bar.removeAttribute("value");
    } else {
      bar.value = state.percent;
      bar.textContent = state.percent + "%";
    }
    var finished = state.status === "done" || state.status === "failed";
    // An export offers its file; other work (e.g. sending reminders) says what it did.
    if (download) download.hidden = state.status !== "done";
    if (result) {
      result.hidden = state.status !== "done";
      result.textContent = state.result;
    }
    failed.hidden = state.status !== "failed";
    waiting.hidden = finished;
    if (state.error) error.textContent = state.error;
    return finished;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (!show(state)) {
          delay = Math.min(delay * 1.2, 5000);
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  var status = box.getAttribute("data-job-status");
  if (status === "queued" || status === "running") window.setTimeout(poll, 500);
})();
