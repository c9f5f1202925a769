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

// The menu on a phone: one button opens the whole list (every entry the role may open).
(function () {
  var nav = document.querySelector("nav.menu");
  var toggle = nav && nav.querySelector(".menu-toggle");
  if (!toggle) return;
  toggle.hidden = false;
  nav.classList.add("enhanced", "collapsed");
  function show(open) {
    nav.classList.toggle("collapsed", !open);
    toggle.setAttribute("aria-expanded", String(open));
  }
  toggle.addEventListener("click", function () { show(nav.classList.contains("collapsed")); });
  nav.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !nav.classList.contains("collapsed")) { show(false); toggle.focus(); }
  });
})();

// Print buttons (the register, a report): the page's print styles do the rest.
document.addEventListener("click", function (event) {
  var target = event.target;
  if (target && target.closest && target.closest("[data-print]")) window.print();
});

// A refused form comes back as it was typed, each wrong field marked with its own message and a
// summary above the form that links to them. The server sends what to put back
// (`#form-echo`); its notice at the top of the page says the same to browsers without script.
(function () {
  var holder = document.getElementById("form-echo");
  if (!holder) return;
  var echo;
  try { echo = JSON.parse(holder.getAttribute("data-echo")); } catch (e) { return; }
  var form = Array.prototype.filter.call(document.forms, function (f) {
    return f.getAttribute("method") === "post" && new URL(f.action, location.href).pathname === echo.action;
  })[0];
  if (!form) return;
  var details = form.closest("details");
  if (details) details.open = true;
  var typed = echo.typed || [];
  var nth = {};
  Array.prototype.forEach.call(form.elements, function (el) {
    if (!el.name || el.type === "hidden" || el.type === "submit" || el.type === "button" || el.type === "file") return;
    if (el.type === "checkbox" || el.type === "radio") {
      el.checked = typed.some(function (p) { return p[0] === el.name && p[1] === el.value; });
      return;
    }
    var values = typed.filter(function (p) { return p[0] === el.name; });
    var i = nth[el.name] || 0;
    nth[el.name] = i + 1;
    if (values[i]) el.value = values[i][1];
  });
  var summary = document.createElement("div");
  summary.className = "notice error form-summary";
  summary.setAttribute("role", "alert");
  summary.tabIndex = -1;
  var title = document.createElement("p");
  title.textContent = holder.getAttribute("data-title");
  summary.appendChild(title);
  var list = document.createElement("ul");
  (echo.errors || []).forEach(function (e) {
    var el = e[0] ? form.elements[e[0]] : null;
    if (el && !el.tagName) el = el[0];
    var item = document.createElement("li");
    if (el && el.tagName) {
      if (!el.id) el.id = "f-" + e[0];
      el.setAttribute("aria-invalid", "true");
      var note = document.createElement("p");
      note.className = "field-error";
      note.id = "err-" + el.id;
      note.textContent = e[1];
      el.parentNode.insertBefore(note, el);
      el.setAttribute("aria-describedby", ((el.getAttribute("aria-describedby") || "") + " " + note.id).trim());
      var label = form.querySelector("label[for='" + el.id + "']") || el.closest("fieldset") && el.closest("fieldset").querySelector("legend");
      var link = document.createElement("a");
      link.href = "#" + el.id;
      link.textContent = (label ? label.textContent.trim() + ": " : "") + e[1];
      item.appendChild(link);
    } else {
      item.textContent = e[1];
    }
    list.appendChild(item);
  });
  summary.appendChild(list);
  form.insertBefore(summary, form.firstChild);
  summary.focus();
})();

// Place pickers: a field that takes a place (`data-place`) is typed as a name, in either script
// and the usual spellings, a ward as its municipality and number ("Nepalganj 4"), and chosen
// from a list (`/places/suggest`, the ARIA combobox pattern: arrows, Enter, Escape). The form
// still sends the code, in a hidden field under the same name; without script the field takes
// a code, as its hint says.
(function () {
  var count = 0;
  function suggest(query) {
    return fetch("/places/suggest?" + query, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .catch(function () { return []; });
  }

  function picker(input) {
    var pick = input.getAttribute("data-place");
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = input.name;
    hidden.value = input.value.trim();
    input.removeAttribute("name");
    input.removeAttribute("inputmode");
    input.removeAttribute("maxlength");
    input.removeAttribute("size");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    var list = document.createElement("ul");
    list.id = (input.id || "place-" + (++count)) + "-options";
    list.className = "picker";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("aria-controls", list.id);
    input.parentNode.insertBefore(hidden, input.nextSibling);
    input.parentNode.insertBefore(list, hidden.nextSibling);
    input.parentNode.classList.add("has-picker");
    var options = [], active = -1, asked = 0, timer = null;

    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function choose(o) {
      hidden.value = o.code;
      input.value = o.label;
      close();
    }
    function mark(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (li, j) {
        li.setAttribute("aria-selected", String(j === i));
        if (j === i) {
          input.setAttribute("aria-activedescendant", li.id);
          li.scrollIntoView({ block: "nearest" });
        }
      });
    }
    function show(found) {
      options = found;
      list.textContent = "";
      found.forEach(function (o, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.textContent = o.label;
        li.appendChild(name);
        if (o.context) {
          var where = document.createElement("small");
          where.textContent = o.context;
          li.appendChild(where);
        }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(o); });
        list.appendChild(li);
      });
      active = -1;
      list.hidden = found.length === 0;
      input.setAttribute("aria-expanded", String(found.length > 0));
    }
    input.addEventListener("input", function () {
      var typed = input.value.trim();
      hidden.value = typed;
      clearTimeout(timer);
      if (!typed) { close(); options = []; return; }
      timer = setTimeout(function () {
        var n = ++asked;
        suggest("pick=" + encodeURIComponent(pick) + "&q=" + encodeURIComponent(typed)).then(function (found) {
          if (n === asked) show(found);
        });
      }, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (!options.length) return;
        e.preventDefault();
        if (list.hidden) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        var step = e.key === "ArrowDown" ? 1 : -1;
        mark((active + step + options.length) % options.length);
      } else if (e.key === "Enter" && !list.hidden && active >= 0) {
        e.preventDefault();
        choose(options[active]);
      } else if (e.key === "Escape" && !list.hidden) {
        e.preventDefault();
        close();
      }
    });
    // Leaving the field with a name typed that only one place answers, or that is one
    // place's name exactly, takes that place.
    input.addEventListener("blur", function () {
      var typed = input.value.trim().toLowerCase();
      var same = options.filter(function (o) { return o.label.toLowerCase() === typed; });
      if (hidden.value === input.value.trim() && typed) {
        if (same.length === 1) choose(same[0]);
        else if (options.length === 1) choose(options[0]);
      }
      close();
    });
    // A field filled by the server (or put back after a refusal) holds a code: show its name.
    if (hidden.value) {
      suggest("code=" + encodeURIComponent(hidden.value)).then(function (found) {
        if (found.length === 1 && hidden.value === found[0].code) input.value = found[0].label;
      });
    }
  }
  document.querySelectorAll("input[data-place]").forEach(picker);
})();

// A chart wider than the screen scrolls sideways; it opens on its latest months.
Array.prototype.forEach.call(document.querySelectorAll(".chart"), function (c) {
  c.scrollLeft = c.scrollWidth;
});

// A box that scrolls sideways (a wide table or chart on a phone) takes the keyboard's focus,
// so that it can be scrolled with the arrow keys, not only by touch.
Array.prototype.forEach.call(document.querySelectorAll(".chart, .scroll, .table-wrap"), function (box) {
  if (box.scrollWidth > box.clientWidth && !box.hasAttribute("tabindex")) box.tabIndex = 0;
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
