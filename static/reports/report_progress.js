// Polls a report that is being generated and reloads the page when it is ready (or failed).
// The same approach as static/core/import_progress.js: no library, same-origin fetch.
(function () {
  "use strict";
  var box = document.getElementById("report-job");
  if (!box || box.dataset.finished === "true") { return; }
  var bar = box.querySelector("[data-field=progress]");
  var sections = box.querySelector("[data-field=sections]");
  var shown = sections ? sections.textContent : "";
  function poll() {
    fetch(box.dataset.progressUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (report) {
        if (bar) {
          bar.max = report.total;
          bar.value = report.done;
        }
        if (sections) {
          // "2 of 6 sections" in whatever language the page is in: replace the two numbers.
          var count = 0;
          sections.textContent = shown.replace(/\d+/g, function (n) {
            count += 1;
            return count === 1 ? report.done : count === 2 ? report.total : n;
          });
        }
        if (report.status !== "queued" && report.status !== "running") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
