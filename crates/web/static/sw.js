// Keeps the registers a teacher has opened, and the page's own files, on the tablet, so that a
// register opens and can be taken while the Wi-Fi is down. Only register pages are kept: no
// other page with pupils' details is stored. Signing in again (or out) empties the store.
"use strict";
const PAGES = "rollcall-registers";
const FILES = "rollcall-files";
const STATIC = ["/static/app.css", "/static/register.js", "/static/htmx.min.js"];

// A new version takes over at once. The page's files are kept now if they can be; if not,
// they are kept as the pages fetch them, so a failure here never holds the worker back.
self.addEventListener("install", (event) => {
  self.skipWaiting();
  event.waitUntil(caches.open(FILES).then((cache) => cache.addAll(STATIC)).catch(() => {}));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

// A page that was loading while this worker activated missed its claim, and asks again.
self.addEventListener("message", (event) => {
  if (event.data === "claim") event.waitUntil(self.clients.claim());
});

const isRegisterPage = (url) => /^\/s\/\d+\/registers(\/|$)/.test(url.pathname);

// The network first, so a register is never shown older than it is; the kept copy when the
// network cannot be reached.
const networkFirst = async (request, store) => {
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected && response.type === "basic") {
      const copy = response.clone();
      await caches.open(store).then((cache) => cache.put(request, copy));
    }
    return response;
  } catch (offline) {
    const cache = await caches.open(store);
    const kept = (await cache.match(request)) || (await cache.match(request, { ignoreSearch: true }));
    if (kept) return kept;
    throw offline;
  }
};

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === "/login" && request.mode === "navigate") {
    event.respondWith(fetch(request).then(async (response) => {
      await caches.delete(PAGES);
      return response;
    }));
  } else if (isRegisterPage(url)) {
    event.respondWith(networkFirst(request, PAGES));
  } else if (STATIC.includes(url.pathname)) {
    event.respondWith(networkFirst(request, FILES));
  }
});
