// Setu's script for every page: sortable and filterable tables, and clearing a booth phone's
// offline queue at sign-out. Pages work without it.
"use strict";
(function () {
  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    return cell.getAttribute("data-value") || cell.textContent.trim();
  }

  function makeSortable(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var numeric = th.getAttribute("data-sort") === "num";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          var c = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y, document.documentElement.lang);
          return ascending ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  function makeFilter(input) {
    var table = document.getElementById(input.getAttribute("data-filter-for"));
    if (!table) return;
    input.closest(".table-tools").hidden = false;
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        r.hidden = q !== "" && r.textContent.toLowerCase().indexOf(q) === -1;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable").forEach(makeSortable);
    document.querySelectorAll("input[data-filter-for]").forEach(makeFilter);
    var errors = document.getElementById("form-errors");
    if (errors) errors.focus();
  });
})();

// Print buttons (the register, a report): the page's print styles do the rest.
document.addEventListener("click", function (event) {
  var target = event.target;
  if (target && target.closest && target.closest("[data-print]")) window.print();
});

// After signing in again: the form typed before the session lapsed goes on at once (the page
// has a button for browsers without script).
(function () {
  var resume = document.querySelector("form[data-autosend]");
  if (resume) resume.submit();
})();

// Sign-out on a shared phone: a booth's offline queue is its user's; leaving clears it (after
// saying how many records have not reached the server) and the pages the booth's service
// worker kept, so the next person finds nothing of the last one's.
(function () {
  var out = document.querySelector("form[action='/logout']");
  if (!out || !window.localStorage) return;
  out.addEventListener("submit", function (e) {
    var user = out.getAttribute("data-user");
    if (!user || out.getAttribute("data-cleared")) return;
    e.preventDefault();
    var queued = "setu.queue." + user + ".", counts = "setu.queue-n." + user + ".";
    var keys = [], waiting = 0;
    for (var i = 0; i < localStorage.length; i++) {
      var k = localStorage.key(i);
      if (!k) continue;
      if (k.indexOf(counts) === 0) waiting += parseInt(localStorage.getItem(k), 10) || 0;
      if (k.indexOf(queued) === 0 || k.indexOf(counts) === 0) keys.push(k);
    }
    if (waiting > 0 && !window.confirm((out.getAttribute("data-unsent") || "").replace("{n}", String(waiting)))) return;
    keys.forEach(function (k) { localStorage.removeItem(k); });
    var cleared = ("caches" in window)
      ? caches.keys().then(function (names) { return Promise.all(names.map(function (n) { return caches.delete(n); })); })
      : Promise.resolve();
    cleared.catch(function () {}).then(function () { out.setAttribute("data-cleared", "1"); out.submit(); });
  });
})();
