// Setu's service worker, served under each folder whose pages record offline (/booths/,
// /youth/, /parents-groups/, /cases/; a worker controls only the folder it is served from): those pages
// and their assets stay available without a connection. Pages are fetched from the network
// first and the copy is refreshed; the API is never cached.
"use strict";
var CACHE = "setu-offline-v4";
var ASSETS = ["/static/setu.css", "/static/setu.js", "/static/offline.js", "/static/favicon.svg"];
// The pages that record offline.
var PAGES = /^\/booths\/\d+\/capture$|^\/youth\/events\/new$|^\/parents-groups\/\d+\/sessions\/new$|^\/cases\/followups$/;

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(ASSETS); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (e) {
  var url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== location.origin || url.pathname.indexOf("/api/") === 0) return;
  if (url.pathname.indexOf("/static/") === 0) {
    e.respondWith(caches.match(e.request).then(function (hit) { return hit || fetch(e.request); }));
    return;
  }
  if (PAGES.test(url.pathname)) {
    var key = new Request(url.origin + url.pathname);
    e.respondWith(fetch(e.request).then(function (res) {
      if (res.ok) { var copy = res.clone(); caches.open(CACHE).then(function (c) { c.put(key, copy); }); }
      return res;
    }).catch(function () { return caches.match(key); }));
  }
});
