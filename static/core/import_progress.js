// Polls a running import job and reloads the page when it has finished.
(function () {
  "use strict";
  var box = document.getElementById("import-job");
  if (!box || box.dataset.finished === "true") { return; }
  var bar = box.querySelector("[data-field=progress]");
  var rows = box.querySelector("[data-field=rows]");
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (job) {
        bar.value = job.progress;
        rows.textContent = job.processed_rows + " / " + job.total_rows;
        if (job.status === "succeeded" || job.status === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
