// In-panel notifications (issue 20). The live stream (panel.js) passes on the notices meant
// for this agent as "pasokh:notify" events: a conversation assigned to them, a customer
// writing in one of theirs, one waiting past its target. Each plays a short sound, counts in
// the tab's title (and the installed app's badge), and shows the browser's notification when
// the agent allowed it. Permission is asked when the agent makes themselves available (a
// click that says "I am ready for work"), or from the notifications page; never on load.
"use strict";

(function () {
  let unseen = 0;
  let audio = null;
  const baseTitle = document.title;

  function texts() { return document.getElementById("notify-texts"); }

  function digits(number) {
    const text = String(number);
    return document.documentElement.lang === "fa"
      ? text.replace(/[0-9]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹"[Number(d)]; }) : text;
  }

  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const now = audio.currentTime;
      [0, 0.18].forEach(function (offset, index) {
        const tone = audio.createOscillator();
        const volume = audio.createGain();
        tone.frequency.value = index === 0 ? 880 : 660;
        volume.gain.setValueAtTime(0.0001, now + offset);
        volume.gain.exponentialRampToValueAtTime(0.2, now + offset + 0.02);
        volume.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.16);
        tone.connect(volume).connect(audio.destination);
        tone.start(now + offset);
        tone.stop(now + offset + 0.17);
      });
      document.body.dataset.lastSound = String(Date.now());
    } catch (ignored) { /* no sound: the badge and the notification still tell */ }
  }

  function showBadge() {
    document.title = unseen > 0 ? "(" + digits(unseen) + ") " + baseTitle : baseTitle;
    document.body.dataset.unseen = String(unseen);
    if ("setAppBadge" in navigator) {
      (unseen > 0 ? navigator.setAppBadge(unseen) : navigator.clearAppBadge()).catch(function () {});
    }
  }

  function notify(data) {
    const box = texts();
    if (!box) return;
    unseen += 1;
    showBadge();
    beep();
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    const title = box.dataset["title_" + data.kind] || box.dataset.title_assigned;
    const body = (box.dataset["body_" + data.kind] || "").replace("%(number)s", digits(data.conversation_id));
    const shown = new Notification(title, {
      body: body, tag: "conversation-" + data.conversation_id, lang: document.documentElement.lang,
      dir: document.documentElement.dir, icon: box.dataset.icon,
    });
    shown.onclick = function () {
      window.focus();
      window.location.href = box.dataset.conversationUrl.replace("ID", String(data.conversation_id));
    };
  }

  document.addEventListener("pasokh:notify", function (event) { notify(event.detail); });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && unseen > 0) { unseen = 0; showBadge(); }
  });

  // The sensible moment to ask: the agent says they are available for work.
  document.addEventListener("click", function (event) {
    const choice = event.target.closest && event.target.closest(".presence-choice, [data-ask-notifications]");
    if (!choice || !("Notification" in window)) return;
    if (choice.matches(".presence-choice") && choice.value !== "available") return;
    if (Notification.permission === "default") Notification.requestPermission();
    if (audio === null) beepReady();
  });

  // Browsers let a page play sound only after the person has clicked in it.
  function beepReady() {
    try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (ignored) {}
  }
  document.addEventListener("pointerdown", function () { if (audio === null) beepReady(); }, { once: true });
})();

// The notifications page: subscribes this browser (or installed app) to Web Push with the
// server's VAPID key, and hands the subscription to the server.
(function () {
  function keyBytes(base64url) {
    const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(text, function (c) { return c.charCodeAt(0); });
  }

  async function turnOn(button) {
    const state = document.getElementById("push-state");
    try {
      if (await Notification.requestPermission() !== "granted") throw new Error("denied");
      const registration = await navigator.serviceWorker.register("/sw.js");
      await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: keyBytes(button.dataset.vapidKey) });
      const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      headers["Content-Type"] = "application/json";
      const answer = await fetch(button.dataset.addUrl, { method: "POST", headers: headers,
        credentials: "same-origin", body: JSON.stringify(subscription.toJSON()) });
      if (!answer.ok) throw new Error("refused");
      state.textContent = button.dataset.done;
    } catch (error) {
      state.textContent = button.dataset.refused;
    }
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("#push-on");
    if (button && "serviceWorker" in navigator && "PushManager" in window) turnOn(button);
  });
})();
