// Live updates: the server sends a notice (ids only) on /events whenever a message arrives,
// a conversation changes or a delivery receipt comes; the page asks htmx to fetch again the
// part that shows it. At most one refresh per REFRESH_MS, however many notices arrive.
"use strict";

(function () {
  const REFRESH_MS = 150;
  let scheduled = null;

  // A notice that comes while a part is being fetched must not be lost: htmx queues the new
  // request on the element being fetched, and drops it when the answer replaces that
  // element, yet the answer may have been read before the change. So the refresh is owed
  // (the body says so in data-refresh) and asked for once every fetch of a live part is in.
  let liveFetches = 0;

  function refresh() {
    if (scheduled !== null) return;
    scheduled = setTimeout(function () {
      scheduled = null;
      if (liveFetches > 0) {
        document.body.dataset.refresh = "owed";
        return;
      }
      htmx.trigger(document.body, "pasokh:changed");
    }, REFRESH_MS);
  }

  function isLivePart(element) {
    return element instanceof Element &&
      (element.getAttribute("hx-trigger") || "").indexOf("pasokh:changed") !== -1;
  }
  // Counted by the request itself: htmx:afterRequest goes to the element that asked, which
  // the answer has replaced (so the event is sent to one of its old ancestors instead).
  document.addEventListener("htmx:beforeSend", function (event) {
    if (!isLivePart(event.detail.elt)) return;
    liveFetches += 1;
    event.detail.xhr.addEventListener("loadend", function () {
      liveFetches -= 1;
      if (liveFetches === 0 && document.body.dataset.refresh === "owed") {
        delete document.body.dataset.refresh;
        refresh();
      }
    });
  });

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

  // The conversation opens at its newest message and stays there as messages arrive, unless
  // the agent has scrolled up to read: then the place is kept and a pill offers the new
  // messages. The agent's own reply is always brought into view. The timeline scrolls on a
  // wide screen; on a phone the page does, and the reply box is kept in view under it.
  const AT_BOTTOM_SLACK_PX = 48;
  // Kept up to date by the agent's scrolling (not sampled at a refresh, which may come while
  // a web font or a picture still changes the timeline's height).
  let following = true;  // at the newest message
  let readingAt = 0;  // the timeline's scrollTop while the agent reads further up
  let beforeSwap = null;  // {shown, ownSend} of the timeline being replaced

  function timeline() { return document.querySelector("#conversation-live .timeline"); }
  function pill() { return document.getElementById("new-messages"); }

  function timelineScrolls(list) {
    return getComputedStyle(list).overflowY !== "visible" && list.scrollHeight > list.clientHeight + 1;
  }

  // The entries shown, by id (the timeline is in the order things happened, which is not
  // always the order they reached us: a new entry can land above the last one).
  function entryIds(list) {
    return new Set(Array.from(list.querySelectorAll(".entry[data-message-id], .entry[data-note-id]"),
      function (entry) { return entry.dataset.messageId || "n" + entry.dataset.noteId; }));
  }

  function atBottom(list) {
    if (timelineScrolls(list)) {
      return list.scrollHeight - list.scrollTop - list.clientHeight <= AT_BOTTOM_SLACK_PX;
    }
    return list.getBoundingClientRect().bottom <= window.innerHeight + AT_BOTTOM_SLACK_PX;
  }

  function toNewest() {
    const list = timeline();
    if (!list) return;
    following = true;
    if (timelineScrolls(list)) {
      list.scrollTop = list.scrollHeight;
    } else {
      // The page scrolls: the newest message sits just above the reply box, both in view.
      const below = document.querySelector(".reply-box, #reply-window") || list;
      below.scrollIntoView({ block: "end" });
    }
    const newMessages = pill();
    if (newMessages) newMessages.hidden = true;
  }

  function swapsTheTimeline(event) { return event.detail.target.id === "conversation-live"; }

  document.addEventListener("htmx:beforeSwap", function (event) {
    const list = timeline();
    if (!list || !swapsTheTimeline(event)) return;
    const source = event.detail.requestConfig && event.detail.requestConfig.elt;
    beforeSwap = {
      shown: entryIds(list),
      ownSend: source instanceof HTMLFormElement && source.matches(".reply-box, .template-form, .file-reply"),
    };
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (!swapsTheTimeline(event)) return;
    const was = beforeSwap;
    beforeSwap = null;
    const list = timeline();
    if (!list || was === null) return;
    if (following || was.ownSend) { toNewest(); return; }
    list.scrollTop = readingAt;  // the new timeline starts at its top: keep the place
    const newMessages = pill();
    const arrived = Array.from(entryIds(list)).some(function (id) { return !was.shown.has(id); });
    if (newMessages && arrived) newMessages.hidden = false;
  });

  // Where the agent scrolled to; reaching the newest message by hand puts the pill away.
  document.addEventListener("scroll", function () {
    const list = timeline();
    if (!list) return;
    following = atBottom(list);
    readingAt = list.scrollTop;
    const newMessages = pill();
    if (newMessages && following) newMessages.hidden = true;
  }, true);

  // A phone's keyboard opening, a rotation or a resized window: the newest stays in view.
  window.addEventListener("resize", function () { if (following && timeline()) toNewest(); });

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

  // A "Copy" button next to a read-only field (a channel's line to paste into a site).
  document.addEventListener("click", function (event) {
    const button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
    if (!button) return;
    const field = document.getElementById(button.dataset.copy);
    if (!field) return;
    field.select();
    const done = function () { button.dataset.copied = "yes"; };
    if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, done);
    else { document.execCommand("copy"); done(); }
  });

  // "Show" next to a masked field (a channel's secret): shows or masks it again.
  document.addEventListener("click", function (event) {
    const button = event.target instanceof Element ? event.target.closest("[data-reveal]") : null;
    if (!button) return;
    const field = document.getElementById(button.dataset.reveal);
    if (!field) return;
    const shown = field.type === "password";
    field.type = shown ? "text" : "password";
    button.setAttribute("aria-pressed", shown ? "true" : "false");
    button.textContent = shown ? button.dataset.hide : button.dataset.show;
  });

  // An owner's section form is checked on the server when a field changes, and the answer
  // replaces the form. That answer holds the values the check was sent with: if the owner
  // typed on meanwhile, it would wipe what they typed, so it is dropped (the next change
  // sends a new check). It is dropped too while the owner holds a press in the form: pressing
  // a button leaves the field (a check goes out), and an answer swapped in before the release
  // would take the pressed button away, so the click would press nothing.
  const sectionChecks = new WeakMap();
  let pressedIn = null;  // the section form a pointer is held down in
  document.addEventListener("pointerdown", function (event) {
    pressedIn = event.target instanceof Element ? event.target.closest("#section-form") : null;
  }, true);
  ["pointerup", "pointercancel"].forEach(function (type) {
    document.addEventListener(type, function () { pressedIn = null; }, true);
  });
  function formValues(form) {
    return JSON.stringify(Array.from(new FormData(form), function (pair) {
      return [pair[0], typeof pair[1] === "string" ? pair[1] : pair[1].name];
    }));
  }
  function isSectionForm(element) { return element instanceof HTMLFormElement && element.id === "section-form"; }
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (isSectionForm(event.detail.elt)) sectionChecks.set(event.detail.elt, formValues(event.detail.elt));
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    const form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (isSectionForm(form) && form.isConnected &&
        (pressedIn === form || sectionChecks.get(form) !== formValues(form))) {
      event.detail.shouldSwap = false;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    // Without this script the suggestions are text to copy; with it, one click inserts them.
    document.querySelectorAll(".assist-use").forEach(function (button) { button.hidden = false; });
    if (timeline()) toNewest();
    const newMessages = pill();
    if (newMessages) newMessages.addEventListener("click", toNewest);
    const url = document.body.dataset.liveUrl;
    if (url) listen(url);
    if (collisionBox()) {
      sendPresence(false);
      setInterval(function () { sendPresence(false); showColleagues(); }, PRESENCE_EVERY_MS);
    }
  });
})();
