// The playground offline: after one visit, every file of this build is in the browser's Cache Storage
// and the site opens with no network at all. The build puts `SITE` above this line (app/site/build.py):
// its version (a hash of every file it wrote) and that list of files, so nothing here names a file.
// A new deploy is a new version: its worker fills a new cache beside the old one, takes over once no
// page of the old version is open, and deletes the old cache: a page never mixes two builds.
"use strict";
const CACHE = `playground-${SITE.version}`;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SITE.files.map((path) => new Request(path, { cache: "no-cache" })))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((names) => Promise.all(
    names.filter((name) => name.startsWith("playground-") && name !== CACHE).map((name) => caches.delete(name)))));
});

// Cache first: the cache holds exactly this build. A file fetched only when asked for (SITE.lazy: MNIST)
// joins the cache the first time it arrives. Anything else (a share link's page, a file added later)
// goes to the network as before.
const LAZY = new Set(SITE.lazy.map((path) => new URL(path, self.registration.scope).href));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  const page = request.mode === "navigate" ? new URL("index.html", self.registration.scope).href : request;
  event.respondWith(caches.open(CACHE).then((cache) => cache.match(page, { ignoreSearch: true })
    .then((cached) => cached || fetch(request).then((response) => {
      const url = new URL(request.url);
      if (response.ok && LAZY.has(url.origin + url.pathname)) cache.put(request, response.clone());
      return response;
    }))));
});
