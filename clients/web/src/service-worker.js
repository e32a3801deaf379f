// Linli's service worker (template: vite.config.ts fills in the file list and version).
// Precaches the whole app at install and answers from the cache first, so the app opens
// and works with no network after the first visit. The API and the sync socket are
// never cached: data lives in IndexedDB through automerge-repo.
const PRECACHE = __PRECACHE__;
const CACHE = "linli-app-__VERSION__";

self.addEventListener("install", event => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then(cache => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", event => {
  event.waitUntil(
    caches
      .keys()
      .then(keys => Promise.all(keys.filter(k => k.startsWith("linli-app-") && k !== CACHE).map(k => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", event => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/sync" || url.pathname === "/healthz") return;
  const key = request.mode === "navigate" ? new URL("./", self.registration.scope).href : request;
  event.respondWith(
    caches.match(key).then(hit => hit ?? fetch(request)),
  );
});
