// Live updates: the server sends a notice (ids only) on /events whenever a message arrives,
// a conversation changes or a delivery receipt comes; the page asks htmx to fetch again the
// part that shows it. At most one refresh per REFRESH_MS, however many notices arrive.
"use strict";

(function () {
  const REFRESH_MS = 150;
  let scheduled = null;

  function refresh() {
    if (scheduled !== null) return;
    scheduled = setTimeout(function () {
      scheduled = null;
      htmx.trigger(document.body, "pasokh:changed");
    }, REFRESH_MS);
  }

  // On a conversation page only notices about this customer's conversations matter.
  function concernsThisPage(topic, data) {
    const live = document.getElementById("conversation-live");
    if (!live) return true;
    if (topic === "message.delivery") {
      return live.querySelector('[data-message-id="' + Number(data.message_id) + '"]') !== null;
    }
    const shown = (live.dataset.conversations || "").split(" ");
    return shown.indexOf(String(data.conversation_id)) !== -1;
  }

  function listen(url) {
    const source = new EventSource(url);
    ["message.new", "conversation.updated", "message.delivery"].forEach(function (topic) {
      source.addEventListener(topic, function (event) {
        let data = {};
        try { data = JSON.parse(event.data); } catch (ignored) { return; }
        if (concernsThisPage(topic, data)) refresh();
      });
    });
    // After a reconnect, notices sent meanwhile are lost: fetch everything once.
    source.addEventListener("open", refresh);
    document.body.dataset.live = "connecting";
    source.addEventListener("open", function () { document.body.dataset.live = "on"; });
  }

  // A form that was accepted is emptied; a refused one keeps what the agent wrote.
  document.addEventListener("htmx:afterRequest", function (event) {
    const form = event.detail.elt;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-reset-on-success")) return;
    if (event.detail.successful && !event.detail.xhr.getResponseHeader("X-Pasokh-Error")) {
      form.reset();
    }
  });

  // Enter sends the reply, Shift+Enter makes a new line.
  document.addEventListener("keydown", function (event) {
    const target = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    if (!(target instanceof HTMLTextAreaElement) || target.id !== "reply-text") return;
    event.preventDefault();
    target.form.requestSubmit();
  });

  document.addEventListener("DOMContentLoaded", function () {
    const url = document.body.dataset.liveUrl;
    if (url) listen(url);
  });
})();
