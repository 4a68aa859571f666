// The panel's service worker (served at /sw.js so that it covers the whole panel): it shows
// the Web Push notifications the server sends (core/notifications/webpush.py) and opens the
// conversation when one is tapped. It caches nothing: the panel is live or it is nothing.
"use strict";

self.addEventListener("push", function (event) {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (ignored) { return; }
  event.waitUntil(self.registration.showNotification(data.title || "Pasokh", {
    body: data.body || "",
    tag: data.tag,
    renotify: true,
    data: { url: data.url || "/" },
    icon: "/static/icons/pasokh-192.png",
    badge: "/static/icons/pasokh-192.png",
    lang: "fa",
    dir: "rtl",
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  const url = new URL(event.notification.data.url, self.location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true })
    .then(function (windows) {
      for (const client of windows) {
        if (client.url === url && "focus" in client) return client.focus();
      }
      return self.clients.openWindow(url);
    }));
});
