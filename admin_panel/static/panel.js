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

  // A receipt can come before the page shows its message (the agent's own reply is sent
  // while the timeline that holds it is still being fetched). Such receipts are kept, a few,
  // and a timeline that arrives showing one of them is fetched again.
  const UNSEEN_RECEIPTS_KEPT = 50;
  let unseenReceipts = [];

  // On a conversation page only notices about this customer's conversations matter.
  function concernsThisPage(topic, data) {
    const live = document.getElementById("conversation-live");
    if (!live) return true;
    if (topic === "message.delivery") {
      const id = Number(data.message_id);
      if (live.querySelector('[data-message-id="' + id + '"]') !== null) return true;
      unseenReceipts = unseenReceipts.concat([id]).slice(-UNSEEN_RECEIPTS_KEPT);
      return false;
    }
    const shown = (live.dataset.conversations || "").split(" ");
    return shown.indexOf(String(data.conversation_id)) !== -1;
  }

  function listen(url) {
    const source = new EventSource(url);
    source.addEventListener("conversation.presence", function (event) {
      let data = {};
      try { data = JSON.parse(event.data); } catch (ignored) { return; }
      colleagueSeen(data);
    });
    // Notifications for this agent only (the server sends no one else's): notify.js shows them.
    source.addEventListener("agent.notify", function (event) {
      let data = {};
      try { data = JSON.parse(event.data); } catch (ignored) { return; }
      document.dispatchEvent(new CustomEvent("pasokh:notify", { detail: data }));
    });
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

  document.addEventListener("htmx:afterSwap", function () {
    const live = document.getElementById("conversation-live");
    if (!live || unseenReceipts.length === 0) return;
    const nowShown = unseenReceipts.some(function (id) {
      return live.querySelector('[data-message-id="' + id + '"]') !== null;
    });
    if (nowShown) {
      unseenReceipts = [];
      refresh();
    }
  });

  // A form that was accepted is emptied; a refused one keeps what the agent wrote.
  document.addEventListener("htmx:afterRequest", function (event) {
    const form = event.detail.elt;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-reset-on-success")) return;
    if (event.detail.successful && !event.detail.xhr.getResponseHeader("X-Pasokh-Error")) {
      form.reset();
    }
  });

  // An explanation of an FAQ answer the agent opened stays open when the timeline refreshes.
  let openExplanations = [];
  document.addEventListener("htmx:beforeSwap", function () {
    openExplanations = Array.from(document.querySelectorAll("[data-message-id] .faq-why[open]"))
      .map(function (details) { return details.closest("[data-message-id]").dataset.messageId; });
  });
  document.addEventListener("htmx:afterSwap", function () {
    openExplanations.forEach(function (id) {
      const details = document.querySelector('[data-message-id="' + id + '"] .faq-why');
      if (details) details.open = true;
    });
  });

  // Collision warning. Every open conversation page says "here" every PRESENCE_EVERY_MS
  // (and "typing" while the agent types); a colleague whose notices stop is forgotten
  // after the server's expiry. Only this page's conversation is kept, so the map stays small.
  const PRESENCE_EVERY_MS = 10000;
  const TYPING_EVERY_MS = 3000;
  const colleagues = new Map();  // user id -> {typing, until}
  let lastTypingSent = 0;

  function collisionBox() { return document.getElementById("collision"); }

  function sendPresence(typing) {
    const box = collisionBox();
    if (!box) return;
    const body = new FormData();
    body.append("typing", typing ? "1" : "0");
    const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    fetch(box.dataset.presenceUrl, { method: "POST", body: body, headers: headers,
                                     credentials: "same-origin" }).catch(function () {});
  }

  function colleagueSeen(data) {
    const box = collisionBox();
    if (!box || String(data.conversation_id) !== box.dataset.conversationId) return;
    if (String(data.user_id) === box.dataset.self) return;
    const expiresMs = Number(box.dataset.expiresSeconds) * 1000;
    colleagues.set(String(data.user_id), { typing: data.typing === true, until: Date.now() + expiresMs });
    showColleagues();
  }

  function showColleagues() {
    const box = collisionBox();
    if (!box) return;
    const names = JSON.parse(box.dataset.agents || "{}");
    const now = Date.now();
    const shown = [];
    colleagues.forEach(function (seen, id) {
      if (seen.until < now) { colleagues.delete(id); return; }
      shown.push((names[id] || box.dataset.someone) + (seen.typing ? " (" + box.dataset.typing + ")" : ""));
    });
    box.querySelector(".names").textContent = shown.join("، ");
    box.hidden = shown.length === 0;
  }

  // Canned replies: "/" at the start of the reply box lists the owner's ready answers whose
  // shortcut starts with what was typed; arrows choose, Enter or Tab or a click picks.
  function cannedList() { return document.getElementById("canned-replies"); }

  function cannedOptions() {
    const list = cannedList();
    return list ? Array.from(list.querySelectorAll("li")).filter(function (li) { return !li.hidden; }) : [];
  }

  function filterCanned(textarea) {
    const list = cannedList();
    if (!list) return;
    const typed = textarea.value;
    const open = /^\/\S*$/.test(typed);
    let first = true;
    list.querySelectorAll("li").forEach(function (li) {
      li.hidden = !open || !li.dataset.shortcut.startsWith(typed);
      li.classList.toggle("active", !li.hidden && first);
      if (!li.hidden) first = false;
    });
    list.hidden = !open || first;
  }

  function pickCanned(li) {
    const textarea = document.getElementById("reply-text");
    textarea.value = li.dataset.text;
    cannedList().hidden = true;
    textarea.focus();
  }

  function moveCanned(step) {
    const options = cannedOptions();
    const at = options.findIndex(function (li) { return li.classList.contains("active"); });
    options.forEach(function (li) { li.classList.remove("active"); });
    const next = options[(at + step + options.length) % options.length];
    if (next) next.classList.add("active");
  }

  document.addEventListener("input", function (event) {
    if (event.target.id !== "reply-text") return;
    filterCanned(event.target);
    if (Date.now() - lastTypingSent > TYPING_EVERY_MS) {
      lastTypingSent = Date.now();
      sendPresence(true);
    }
  });

  document.addEventListener("click", function (event) {
    const li = event.target.closest && event.target.closest("#canned-replies li");
    if (li) pickCanned(li);
    const suggestion = event.target.closest && event.target.closest(".assist-use");
    if (suggestion) useSuggestion(suggestion.dataset.text);
  });

  // Agent assist: a suggested answer goes into the reply box where the cursor is, to be
  // edited and sent by the agent; nothing is sent by itself.
  function useSuggestion(text) {
    const textarea = document.getElementById("reply-text");
    if (!textarea) return;
    textarea.focus();
    textarea.setRangeText(text, textarea.selectionStart, textarea.selectionEnd, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // Enter sends the reply, Shift+Enter makes a new line.
  document.addEventListener("keydown", function (event) {
    const target = event.target;
    const list = cannedList();
    if (target.id === "reply-text" && list && !list.hidden) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        moveCanned(event.key === "ArrowDown" ? 1 : -1);
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        const active = list.querySelector("li.active:not([hidden])");
        if (active) { event.preventDefault(); pickCanned(active); return; }
      }
      if (event.key === "Escape") { list.hidden = true; return; }
    }
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    if (!(target instanceof HTMLTextAreaElement) || target.id !== "reply-text") return;
    event.preventDefault();
    target.form.requestSubmit();
  });

  document.addEventListener("DOMContentLoaded", function () {
    // Without this script the suggestions are text to copy; with it, one click inserts them.
    document.querySelectorAll(".assist-use").forEach(function (button) { button.hidden = false; });
    const url = document.body.dataset.liveUrl;
    if (url) listen(url);
    if (collisionBox()) {
      sendPresence(false);
      setInterval(function () { sendPresence(false); showColleagues(); }, PRESENCE_EVERY_MS);
    }
  });
})();
