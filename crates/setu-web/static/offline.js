// Pages that record without a connection (a booth's capture page, a youth event, a parents'
// session, a survivor's follow-up visit): forms are queued with a client-generated id and the
// version they were based on, and sent to the page's sync address (`data-sync`: /api/v1/sync
// for the booths, /api/v1/community/sync for the rest) whenever the connection allows. The server makes
// resending harmless, so a record leaves the queue only once the server acknowledged it.
// The queue is the signed-in user's: kept in localStorage under their id, encrypted (AES-GCM,
// WebCrypto) with a key the server gives their sessions, so the next person to pick up a shared
// phone can neither read it nor send it under their own name; sign-out clears it (setu.js).
"use strict";
(function () {
  var root = document.querySelector("[data-offline]");
  if (!root) return;
  // A booth's queue is named by its site (as before this page served more than booths).
  var SITE = root.getAttribute("data-site");
  var QUEUE = root.getAttribute("data-queue") || SITE;
  var SYNC = root.getAttribute("data-sync") || "/api/v1/sync";
  var USER = root.getAttribute("data-user");
  var KEY = "setu.queue." + USER + "." + QUEUE;
  // How many wait, in the clear (a number, nothing personal): sign-out warns with it.
  var COUNT_KEY = "setu.queue-n." + USER + "." + QUEUE;
  var Q = [];
  var cryptoKey = null;
  var writes = 0;
  var list = document.getElementById("queue-list");
  var counter = document.getElementById("queue-count");
  var net = document.getElementById("net-state");
  var sending = false;

  function b64(bytes) { return btoa(String.fromCharCode.apply(null, new Uint8Array(bytes))); }
  function unb64(text) { return Uint8Array.from(atob(text), function (c) { return c.charCodeAt(0); }); }

  function openKey() {
    if (!window.crypto || !crypto.subtle || !root.getAttribute("data-qkey")) return Promise.resolve(null);
    return crypto.subtle.importKey("raw", unb64(root.getAttribute("data-qkey")), "AES-GCM", false, ["encrypt", "decrypt"])
      .catch(function () { return null; });
  }

  // The queue as it was left on this phone by this user (nothing if it does not open).
  function restore() {
    var stored = localStorage.getItem(KEY);
    if (!stored || !cryptoKey) return Promise.resolve([]);
    var box;
    try { box = JSON.parse(stored); } catch (e) { return Promise.resolve([]); }
    return crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(box.iv) }, cryptoKey, unb64(box.ct))
      .then(function (plain) { return JSON.parse(new TextDecoder().decode(plain)); })
      .catch(function () { return []; });
  }

  // Writes the queue encrypted. Without WebCrypto (plain http) nothing personal is written to
  // the phone's storage: the queue lives in the page only.
  function persist() {
    if (Q.length) localStorage.setItem(COUNT_KEY, String(Q.length));
    else localStorage.removeItem(COUNT_KEY);
    if (!cryptoKey) return;
    var mine = ++writes;
    if (!Q.length) { localStorage.removeItem(KEY); return; }
    var iv = crypto.getRandomValues(new Uint8Array(12));
    crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, cryptoKey, new TextEncoder().encode(JSON.stringify(Q)))
      .then(function (ct) { if (mine === writes) localStorage.setItem(KEY, JSON.stringify({ iv: b64(iv), ct: b64(ct) })); });
  }

  function load() { return Q.slice(); }
  function save(q) { Q = q; persist(); render(); }

  function uuid() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // BS dates without the server: the page carries the first AD day of each BS month.
  var months = JSON.parse(root.getAttribute("data-bs-months") || "[]");
  function todayBs() {
    var now = new Date(Date.now() + (5 * 60 + 45) * 60000).toISOString().slice(0, 10);
    for (var i = months.length - 1; i >= 0; i--) {
      if (months[i][2] <= now) {
        var days = Math.round((Date.parse(now) - Date.parse(months[i][2])) / 86400000);
        if (days < months[i][3]) {
          return months[i][0] + "-" + String(months[i][1]).padStart(2, "0") + "-" + String(days + 1).padStart(2, "0");
        }
      }
    }
    return "";
  }

  // Numbers in the reader's digits, as the server writes them.
  function digits(n) {
    var s = String(n);
    return root.getAttribute("data-deva") === "true" ? s.replace(/[0-9]/g, function (d) { return "०१२३४५६७८९"[d]; }) : s;
  }

  function summary(r) {
    var d = r.data;
    if (r.kind === "tally") {
      var n = ["female_u18", "male_u18", "other_u18", "female_18", "male_18", "other_18"]
        .reduce(function (a, k) { return a + (parseInt(d[k], 10) || 0); }, 0);
      return (d.date_bs || d.date || "") + " · " + digits(n);
    }
    if (r.kind === "screening") {
      return (d.date_bs || "") + " · " + ((d.given_name || "") + " " + (d.family_name || "")).trim();
    }
    var form = formFor(r);
    return (d.held_on || d.done_on || "") + " · " + (form ? form.getAttribute("data-label") : r.kind);
  }

  // The form a record was made with: by its kind, and for a follow-up by which one (the list
  // of visits has a form per follow-up).
  function formFor(r) {
    if (r.kind === "case-followup") {
      var input = document.querySelector("form[data-kind='case-followup'] input[name='followup'][value='" + r.data.followup + "']");
      return input ? input.form : null;
    }
    return document.querySelector("form[data-kind='" + r.kind + "']");
  }

  function render() {
    var q = load();
    // Refused records wait for the person, not for the network: they are not counted.
    var waiting = q.filter(function (r) { return r.state !== "conflict" && r.state !== "invalid"; }).length;
    counter.textContent = counter.getAttribute("data-label") + ": " + digits(waiting);
    list.textContent = "";
    q.forEach(function (r) {
      var li = document.createElement("li");
      li.className = "queued " + (r.state || "waiting");
      li.setAttribute("data-id", r.id);
      var text = summary(r);
      if (r.state === "conflict") text += " · " + list.getAttribute("data-conflict");
      if (r.state === "invalid") text += " · " + list.getAttribute("data-invalid") + ": " + (r.errors || []).join("; ");
      li.appendChild(document.createTextNode(text + " "));
      if (r.state === "invalid") {
        var edit = document.createElement("button");
        edit.type = "button"; edit.className = "small link";
        edit.textContent = list.getAttribute("data-edit");
        edit.addEventListener("click", function () { fill(r); save(load().filter(function (x) { return x.id !== r.id; })); });
        li.appendChild(edit);
      }
      if (r.state === "invalid" || r.state === "conflict") {
        var drop = document.createElement("button");
        drop.type = "button"; drop.className = "small link";
        drop.textContent = list.getAttribute("data-discard");
        drop.addEventListener("click", function () { save(load().filter(function (x) { return x.id !== r.id; })); });
        li.appendChild(drop);
      }
      list.appendChild(li);
    });
    net.textContent = navigator.onLine ? net.getAttribute("data-online") : net.getAttribute("data-offline");
  }

  function read(form) {
    var data = {};
    new FormData(form).forEach(function (v, k) {
      if (k === "csrf" || k === "record_id" || k === "base_version") return;
      if (k === "documents_seen" || k === "documents_carried" || k === "risk" || k === "present") {
        (data[k] = data[k] || []).push(v);
      } else {
        data[k] = v;
      }
    });
    if (SITE) data.site = SITE;
    return data;
  }

  function fill(r) {
    var form = formFor(r);
    if (!form) return;
    form.reset();
    form.elements.record_id.value = r.id;
    form.elements.base_version.value = r.base_version;
    Object.keys(r.data).forEach(function (k) {
      var v = r.data[k];
      Array.prototype.forEach.call(form.querySelectorAll("[name='" + k + "']"), function (el) {
        if (el.type === "checkbox") el.checked = Array.isArray(v) ? v.indexOf(el.value) >= 0 : !!v;
        else if (el.type === "radio") el.checked = el.value === v;
        else el.value = v;
      });
    });
    var details = form.closest("details");
    if (details) details.open = true;
    form.scrollIntoView();
  }

  function queue(form) {
    var id = form.elements.record_id.value || uuid();
    var rec = { kind: form.getAttribute("data-kind"), id: id,
      base_version: parseInt(form.elements.base_version.value, 10) || 0, data: read(form) };
    // A record still waiting is replaced by its newer content (it keeps its base version).
    var q = load().filter(function (r) { return r.id !== id; });
    q.push(rec);
    save(q);
    form.reset();
    form.elements.record_id.value = "";
    form.elements.base_version.value = "0";
    setDefaults();
    sync();
  }

  // After a 503 or 429 the server says when to come back (Retry-After); until then nothing is
  // resent, and the page says the server is busy rather than failing.
  var notBefore = 0;

  var signedOut = false;
  function signIn(n) {
    var el = document.getElementById("sync-signin");
    if (!el) return;
    var text = el.querySelector("[data-text]");
    text.textContent = text.getAttribute("data-text").replace("{n}", digits(n));
    el.hidden = false;
  }

  function sync() {
    if (signedOut || sending || !navigator.onLine || Date.now() < notBefore) return;
    var q = load();
    var batch = q.filter(function (r) { return r.state !== "conflict" && r.state !== "invalid"; });
    if (!batch.length) return;
    sending = true;
    fetch(SYNC, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": root.getAttribute("data-csrf") },
      body: JSON.stringify({ records: batch.map(function (r) { return { kind: r.kind, id: r.id, base_version: r.base_version, data: r.data }; }) })
    }).then(function (res) {
      if (res.status === 401) {
        // The session ended: nothing more is sent until she signs in again (the queue stays).
        signedOut = true;
        signIn(batch.length);
        throw new Error("signed out");
      }
      if (res.status === 503 || res.status === 429) {
        var wait = parseInt(res.headers.get("Retry-After"), 10);
        notBefore = Date.now() + (wait > 0 ? wait : 5) * 1000;
        busy(true);
        setTimeout(sync, notBefore - Date.now() + 50);
        throw new Error("busy");
      }
      if (!res.ok) throw new Error(String(res.status));
      busy(false);
      return res.json();
    }).then(function (body) {
      var byId = {};
      var again = false;
      body.results.forEach(function (a) { byId[a.id] = a; });
      // What the server stored leaves the phone at once; the rest stays, marked.
      save(load().map(function (r) {
        var a = byId[r.id];
        if (!a) return r;
        if (a.outcome === "conflict") { r.state = "conflict"; }
        else if (a.outcome === "invalid") { r.state = "invalid"; r.errors = (a.errors || []).map(function (e) { return e[1]; }); }
        else if (a.outcome === "retry") { again = true; /* not stored yet: it stays waiting */ }
        else { return null; }
        return r;
      }).filter(function (r) { return r !== null; }));
      if (again) setTimeout(sync, 3000);
      watchAlerts();
    }).catch(function () { /* offline or server away: the queue stays, the next attempt resends */ })
      .then(function () { sending = false; });
  }

  function busy(on) {
    var el = document.getElementById("sync-busy");
    if (el) el.hidden = !on;
  }

  // Matching runs on the server after a sync has been answered; for half a minute afterwards
  // the page asks every three seconds whether anyone just sent may be a missing person.
  var watchUntil = 0;
  function watchAlerts() {
    if (!document.getElementById("alerts")) return;
    var idle = watchUntil < Date.now();
    watchUntil = Date.now() + 30000;
    if (idle) pollAlerts();
  }
  function pollAlerts() {
    fetch("/api/v1/alerts", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) { if (!res.ok) throw new Error(String(res.status)); return res.json(); })
      .then(function (body) { showAlerts(body.alerts || []); })
      .catch(function () { /* the next poll or page load shows them */ })
      .then(function () { if (Date.now() < watchUntil) setTimeout(pollAlerts, 3000); });
  }
  function showAlerts(alerts) {
    var box = document.getElementById("alerts");
    if (!box) return;
    // A new alert is brought into view: the worker is usually at the foot of the form.
    var grew = alerts.length > box.querySelectorAll(".alert").length;
    box.textContent = "";
    alerts.forEach(function (a) {
      var div = document.createElement("div");
      div.className = "alert"; div.setAttribute("role", "alert");
      var title = document.createElement("strong");
      title.textContent = box.getAttribute("data-title");
      div.appendChild(title);
      var text = document.createElement("p");
      text.textContent = a.text;
      div.appendChild(text);
      if (a.phone) {
        var p = document.createElement("p");
        var call = document.createElement("a");
        call.className = "button call"; call.href = "tel:" + a.phone[1];
        call.textContent = box.getAttribute("data-call") + " " + a.phone[0];
        p.appendChild(call);
        div.appendChild(p);
      }
      var help = document.createElement("p");
      help.className = "hint"; help.textContent = box.getAttribute("data-help");
      div.appendChild(help);
      box.appendChild(div);
    });
    if (grew) box.scrollIntoView({ block: "start" });
  }

  function setDefaults() {
    var bs = todayBs();
    document.querySelectorAll("input.bs-today").forEach(function (el) { if (!el.value && bs) el.value = digits(bs); });
    document.querySelectorAll("input.now-time").forEach(function (el) {
      if (!el.value) el.value = new Date(Date.now() + (5 * 60 + 45) * 60000).toISOString().slice(11, 16);
    });
  }

  document.querySelectorAll("form[data-kind]").forEach(function (form) {
    form.addEventListener("submit", function (e) { e.preventDefault(); queue(form); });
  });
  document.querySelectorAll("button.edit-tally").forEach(function (b) {
    b.addEventListener("click", function () {
      fill({ kind: "tally", id: b.getAttribute("data-id"), base_version: parseInt(b.getAttribute("data-version"), 10),
        data: JSON.parse(b.getAttribute("data-values")) });
    });
  });
  var again = root.getAttribute("data-again");
  if (again) { try { fill(JSON.parse(again)); } catch (e) { /* ignore */ } }
  document.getElementById("sync-now").addEventListener("click", sync);
  window.addEventListener("online", function () { render(); sync(); });
  window.addEventListener("offline", render);
  setInterval(sync, 30000);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.getAttribute("data-sw"), { scope: root.getAttribute("data-sw-scope") }).catch(function () {});
  }
  // A queue kept in the clear by a version before this one, not bound to anyone: dropped.
  if (SITE) localStorage.removeItem("setu.queue." + SITE);
  setDefaults();
  render();
  openKey().then(function (k) { cryptoKey = k; return restore(); }).then(function (q) {
    Q = q.filter(function (r) { return r.state !== "sent"; }).concat(Q);
    persist();
    render();
    sync();
  });
})();
