// The dashboard's lead-unit field (牵头单位): suggests the viewer's units while typing,
// from the dashboard's JSON endpoint (data-suggest-url, at most 20 names). Served from
// the project's static files (no CDN); without it a typed name or number still filters.
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest-url]");
  if (!input || !window.fetch) return;
  var list = document.getElementById(input.getAttribute("list"));
  var url = input.getAttribute("data-suggest-url");
  var timer = null;
  var asked = "";
  var latest = 0;

  function show(results) {
    while (list.firstChild) list.removeChild(list.firstChild);
    results.forEach(function (unit) {
      var option = document.createElement("option");
      option.value = unit.name;
      list.appendChild(option);
    });
  }

  function suggest() {
    var text = input.value.trim();
    if (!text || text === asked) return;
    asked = text;
    var request = ++latest;
    fetch(url + "?q=" + encodeURIComponent(text), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (data) {
        if (request === latest) show(data.results);  // an older answer arriving late
      })
      .catch(function () {});  // no suggestions; the field still works
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(suggest, 200);
  });
})();
