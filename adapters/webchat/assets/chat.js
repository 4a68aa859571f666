/* Pasokh web chat: the chat itself, loaded by widget.js when it is first needed.
   Text is only ever put into text nodes; links are built as elements. */
(function () {
  "use strict";
  var LINK = /(https?:\/\/[^\s<>"']+)/g;
  var RETRY_MS = 3000;
  var TYPING_MS = 6000;  // the panel says "typing" every 3 s while the agent types

  window.__pasokhWebchat = function (context) {
    var root = context.root, base = context.base, state = context.state;
    var api = base + "/webchat/api/" + encodeURIComponent(context.channel);
    var saved = load();
    var token = saved.token || "";
    var pending = saved.pending || [];  // typed, not yet acknowledged by the server
    var words = {}, lastId = 0, seen = {}, source = null, retry = null, started = null;
    var knownId = -1, sound = false;  // the last message of the history; the owner's chime
    var mine = [], seenUpTo = 0;  // the visitor's bubbles [id, element]; read by an agent up to
    var seenMark = el("span", { class: "seen", "data-pasokh": "seen" });

    var font = typeof FontFace === "function" ?
      new FontFace("Pasokh Vazirmatn", "url(" + base + "/webchat/vazirmatn.woff2)") : null;
    if (font) { document.fonts.add(font); font.load().catch(function () {}); }

    function load() {
      try { return JSON.parse(localStorage.getItem(context.storeKey) || "{}"); } catch (e) { return {}; }
    }
    function save() {
      // The channel's language too: the loader labels the bubble with it on the next page.
      try { localStorage.setItem(context.storeKey, JSON.stringify({ token: token, pending: pending,
        language: words.language || "" })); }
      catch (e) { /* private mode: the chat works for this page only */ }
    }
    function el(tag, attributes, text) {
      var node = document.createElement(tag);
      Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
      if (text) node.appendChild(document.createTextNode(text));
      return node;
    }
    function withLinks(node, text) {
      text.split(LINK).forEach(function (part, index) {
        if (index % 2) {
          var a = el("a", { href: part, target: "_blank", rel: "noopener noreferrer nofollow" }, part);
          node.appendChild(a);
        } else if (part) {
          node.appendChild(document.createTextNode(part));
        }
      });
    }

    var panel = el("section", { "data-pasokh": "panel", role: "dialog", "aria-modal": "false",
      hidden: "", dir: "rtl", lang: "fa", class: "panel" });
    var header = el("header", { class: "head" });
    var title = el("h2", { class: "title", id: "pasokh-title" });
    var closer = el("button", { type: "button", class: "close" }, "×");
    header.appendChild(title); header.appendChild(closer);
    var log = el("div", { class: "log", role: "log", "aria-live": "polite", tabindex: "0" });
    var choices = el("div", { class: "choices" });
    var status = el("p", { class: "status", role: "status" });
    var typing = el("p", { class: "typing", "aria-live": "polite" });
    var onward = el("button", { type: "button", class: "continue", hidden: "" });
    var prechat = el("fieldset", { class: "prechat", hidden: "" });
    var asked = {};  // field name -> input, for the pre-chat fields the channel offers
    var attributes = null;  // from setAttributes, until the server could apply them
    var form = el("form", { class: "compose" });
    var input = el("textarea", { "data-pasokh": "input", rows: "1", dir: "auto", maxlength: "2000" });
    var sendButton = el("button", { type: "submit", "data-pasokh": "send", class: "send" });
    var picker = el("input", { type: "file", hidden: "", "data-pasokh": "file" });
    var attach = el("button", { type: "button", "data-pasokh": "attach", class: "attach", hidden: "" }, "+");
    var files = { types: [], max_bytes: 0 };  // what the channel takes, from the session
    form.appendChild(attach); form.appendChild(picker);
    form.appendChild(input); form.appendChild(sendButton);
    panel.setAttribute("aria-labelledby", "pasokh-title");
    [header, log, typing, choices, status, onward, prechat, form].forEach(function (part) { panel.appendChild(part); });
    root.appendChild(panel);

    function label() {
      var rtl = (words.language || "fa") !== "en";
      panel.setAttribute("dir", rtl ? "rtl" : "ltr");
      panel.setAttribute("lang", words.language || "fa");
      title.textContent = words.title || "";
      closer.setAttribute("aria-label", words.close || "");
      input.setAttribute("aria-label", words.input || "");
      input.setAttribute("placeholder", words.input || "");
      sendButton.textContent = words.send || "";
      onward.textContent = words["continue"] || "";
      attach.setAttribute("aria-label", words.attach || "");
      attach.setAttribute("title", words.attach || "");
      context.launcher.setAttribute("aria-label", words.open || "");
      context.badge.setAttribute("aria-label", words.unread || "");
    }

    function request(method, path, body) {
      var url = api + path;
      var options = { method: method, mode: "cors", credentials: "omit", cache: "no-store" };
      if (body) {  // text/plain: a simple request, no preflight
        options.body = JSON.stringify(body);
        options.headers = { "Content-Type": "text/plain;charset=UTF-8" };
      }
      return fetch(url, options).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          data.status = response.status;
          return data;
        });
      });
    }

    function session() {
      if (started) return started;
      started = request("POST", "/session", { token: token }).then(function (data) {
        if (!data.ok) { started = null; throw data; }
        if (token && data.token !== token) clear();  // refused: a new visitor starts afresh
        token = data.token;
        words = data.strings || {};
        words.language = data.language;
        if (data.continues) onward.removeAttribute("hidden");
        sound = data.sound === true;
        files = data.files || files;
        if (files.types.length) {
          picker.setAttribute("accept", files.types.join(","));
          attach.removeAttribute("hidden");
        }
        offerFields(data.ask || []);
        save();
        label();
        return data;
      });
      return started;
    }

    function show(message) {
      if (seen[message.id]) return;
      seen[message.id] = true;
      lastId = Math.max(lastId, message.id);
      var from = message.from === "visitor" ? "visitor" : message.from;
      if (from === "agent") typing.textContent = "";
      var bubble = el("div", { "data-pasokh": "message", "data-from": from, class: "message " + from });
      var who = el("span", { class: "who" }, words[from === "visitor" ? "you" : from] || "");
      bubble.appendChild(who);
      if (message.file) bubble.appendChild(attachment(message));
      var body = el("p", { class: "text", dir: "auto" });
      withLinks(body, message.text || "");
      if (message.text || !message.file) bubble.appendChild(body);
      log.appendChild(bubble);
      if (from === "visitor") mine.push([message.id, bubble]);
      // Replies that arrive while the panel is closed (not the history read at start).
      if (from !== "visitor" && !state.open && knownId >= 0 && message.id > knownId) {
        state.unread += 1;
        context.badge.textContent = String(state.unread);
        context.badge.removeAttribute("hidden");
        if (sound && holding) chime();  // one tab chimes: the one holding the stream
      }
      // The latest buttons stay until the visitor writes: an away notice after the menu
      // does not take the menu away.
      if (from === "visitor") offer([]);
      else if ((message.buttons || []).length) offer(message.buttons);
    }

    function offer(buttons) {
      while (choices.firstChild) choices.removeChild(choices.firstChild);
      buttons.forEach(function (pair) {
        var button = el("button", { type: "button", "data-pasokh": "button", class: "choice" }, pair[0]);
        button.addEventListener("click", function () { post({ button: pair[1], text: pair[0] }); });
        choices.appendChild(button);
      });
    }

    var fetching = null, later = null;
    function catchUp() {
      if (fetching) { fetching.again = true; return fetching.done; }
      fetching = { again: false };
      fetching.done = request("GET", "/messages?after=" + lastId + "&token=" + encodeURIComponent(token))
        .then(function (data) {
          if (data.status === 429) {  // too many reads: said, and read again when allowed
            fetching = null;
            say(data.message || "", true);
            clearTimeout(later);
            later = setTimeout(function () { say(""); catchUp(); }, (data.retry_after || 5) * 1000);
            return;
          }
          (data.messages || []).forEach(show);
          markSeen(data.seen || 0);
          if (knownId < 0) knownId = lastId;  // the first read: the history, not news
          log.scrollTop = log.scrollHeight;
          var again = fetching.again;
          fetching = null;
          if (again) return catchUp();
        }, function () { fetching = null; });
      return fetching.done;
    }

    // A message's file, read with fetch() (its Origin checked like every request): a
    // picture as a thumbnail that opens it, anything else as a link with its name and size.
    function attachment(message) {
      var url = api + "/files/" + message.id + "?token=" + encodeURIComponent(token);
      var file = message.file, name = file.name || words.file || "";
      var image = file.type.indexOf("image/") === 0;
      var link = el("a", { class: image ? "picture" : "file", href: "#", target: "_blank",
                           rel: "noopener", "data-pasokh": image ? "image-link" : "file-link" });
      if (image) link.appendChild(el("img", { class: "thumb", "data-pasokh": "image", alt: name }));
      else {
        link.appendChild(el("bdi", { dir: "auto" }, name));
        if (file.size) link.appendChild(el("span", { class: "size" }, " (" + size(file.size) + ")"));
      }
      fetch(url, { mode: "cors", credentials: "omit" }).then(function (response) {
        if (!response.ok) throw response;
        return response.blob();
      }).then(function (blob) {
        var local = URL.createObjectURL(blob);
        link.setAttribute("href", local);
        if (image) link.firstChild.setAttribute("src", local);
        else link.setAttribute("download", file.name || "file");
      }, function () {});
      return link;
    }

    // "۱۲۰ کیلوبایت", "1.4 MB": in the channel's words and digits.
    function size(bytes) {
      var big = bytes >= 1024 * 1024;
      var amount = big ? Math.round(bytes / 104857.6) / 10 : Math.max(1, Math.round(bytes / 1024));
      var shown = amount.toLocaleString(words.language === "en" ? "en-US" : "fa-IR");
      return (words[big ? "size_mb" : "size_kb"] || "%(size)s").replace("%(size)s", shown);
    }

    function upload(chosen) {
      if (!chosen) return;
      if (files.types.indexOf(chosen.type) < 0) { say(words.bad_file || "", true); return; }
      if (chosen.size > files.max_bytes) { say(words.file_too_large || "", true); return; }
      var id = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
      var url = api + "/files?token=" + encodeURIComponent(token) + "&id=" + id +
        "&type=" + encodeURIComponent(chosen.type) + "&name=" + encodeURIComponent(chosen.name || "");
      // text/plain: a simple request, no preflight; the type goes in the address.
      fetch(url, { method: "POST", mode: "cors", credentials: "omit", body: chosen,
                   headers: { "Content-Type": "text/plain;charset=UTF-8" } })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (data) {
            if (!data.ok) say(data.message || words.offline || "", true);
            else { say(""); catchUp(); }
          });
        }, function () { say(words.offline || "", false); });
    }

    // "Seen" under the visitor's last message an agent has read; each read one is marked.
    function markSeen(upTo) {
      seenUpTo = Math.max(seenUpTo, upTo);
      var last = null;
      mine.forEach(function (pair) {
        if (pair[0] > seenUpTo) return;
        pair[1].setAttribute("data-seen", "true");
        last = pair[1];
      });
      if (!last) return;
      seenMark.textContent = words.seen || "";
      last.appendChild(seenMark);
    }

    function chime() {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return;
      try {
        var audio = new Context(), tone = audio.createOscillator(), volume = audio.createGain();
        tone.frequency.value = 880;
        volume.gain.setValueAtTime(0.08, audio.currentTime);
        volume.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.25);
        tone.connect(volume); volume.connect(audio.destination);
        tone.start(); tone.stop(audio.currentTime + 0.25);
        tone.onended = function () { audio.close(); };
      } catch (e) { /* a browser that allows no sound before a click */ }
    }

    function clear() {
      lastId = 0; seen = {}; knownId = -1; mine = []; seenUpTo = 0;
      while (log.firstChild) log.removeChild(log.firstChild);
      offer([]);
    }

    function offerFields(fields) {
      if (prechat.firstChild || !fields.length) return;
      prechat.appendChild(el("legend", {}, words.prechat || ""));
      fields.forEach(function (name) {
        var label = el("label", {}, words[name] || name);
        var input = el("input", { name: name, dir: name === "name" ? "auto" : "ltr",
          type: name === "email" ? "email" : name === "phone" ? "tel" : "text",
          autocomplete: name === "phone" ? "tel" : name, maxlength: "128" });
        label.appendChild(input);
        prechat.appendChild(label);
        asked[name] = input;
      });
    }

    // What the visitor filled in, sent once with its first message; then the fields go.
    function profile() {
      var given = {}, any = false;
      Object.keys(asked).forEach(function (name) {
        var value = asked[name].value.trim();
        if (value) { given[name] = value; any = true; }
      });
      prechat.setAttribute("hidden", "");
      if (!any) return Promise.resolve();
      given.token = token;
      return request("POST", "/profile", given).then(function (data) {
        if (!data.ok) say(data.message || "", true);
      });
    }

    function sendAttributes() {
      if (!attributes || !token) return;
      var sending = attributes;
      request("POST", "/attributes", { token: token, attributes: sending }).then(function (data) {
        if (data.ok && data.applied && attributes === sending) attributes = null;
      }, function () {});
    }

    function say(text, isError) {
      status.textContent = text || "";
      status.className = isError ? "status error" : "status";
    }

    function flush() {
      if (!pending.length) return Promise.resolve();
      var item = pending[0];
      return request("POST", "/messages", { token: token, id: item.id, text: item.text, button: item.button })
        .then(function (data) {
          if (data.status === 429 || data.status === 413 || data.status === 400) {
            pending.shift(); save();
            say(data.message || "", true);
            if (item.text && !item.button && !input.value) input.value = item.text;
            return;
          }
          if (data.status === 401) { token = ""; started = null; save(); throw data; }
          if (!data.ok) throw data;
          pending.shift(); save();
          say("");
          catchUp();
          sendAttributes();  // the visitor is a customer now: the card can hold them
          return flush();
        }).catch(function () {
          say(words.offline || "", false);
          clearTimeout(retry);
          retry = setTimeout(function () { session().then(flush, function () {}); }, RETRY_MS);
        });
    }

    function post(what) {
      what.id = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
      pending.push(what); save();
      session().then(flush, function () { say(words.offline || "", false); });
    }

    // One stream for all of a visitor's tabs: the tab holding the lock listens and passes
    // what it hears to the others (one connection, one badge sound).
    var tabs = window.BroadcastChannel ? new BroadcastChannel(context.storeKey) : null;
    var leading = false, holding = false, typingTimer = null, streamDelay = RETRY_MS;
    if (tabs) tabs.onmessage = function (event) { heard(event.data, false); };

    function heard(news, fromStream) {
      if (fromStream && tabs) tabs.postMessage(news);
      if (news === "sync") { say(""); catchUp(); flush(); }
      if (news === "seen") catchUp();
      if (news === "typing") {
        typing.textContent = words.typing || "";
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typing.textContent = ""; }, TYPING_MS);
      }
    }

    function listen() {
      if (holding) { stream(); return; }  // e.g. after reset(): this tab listens already
      if (leading || !window.EventSource) return;
      leading = true;
      if (navigator.locks && tabs) {
        navigator.locks.request(context.storeKey, function () {
          holding = true;
          stream();
          return new Promise(function () {});  // held while this tab lives
        });
      } else {
        holding = true;
        stream();
      }
    }

    function stream() {
      if (source) return;
      source = new EventSource(api + "/stream?token=" + encodeURIComponent(token));
      source.addEventListener("open", function () { streamDelay = RETRY_MS; });
      source.addEventListener("sync", function () { heard("sync", true); });
      source.addEventListener("typing", function () { heard("typing", true); });
      source.addEventListener("seen", function () { heard("seen", true); });
      source.addEventListener("error", function () {
        // Closed for good: refused (a revoked token) or the page is going away. The session
        // says which: it keeps a good token and gives a new visitor for a refused one.
        // Refused again and again (too many reads): wait longer each time, up to a minute.
        if (source.readyState === EventSource.CLOSED) {
          source = null; started = null;
          setTimeout(function () { session().then(stream, function () {}); }, streamDelay);
          streamDelay = Math.min(streamDelay * 2, 60000);
        }
      });
    }

    function connect() {
      return session().then(function () { return catchUp(); }).then(function () {
        if (lastId === 0 && prechat.firstChild) prechat.removeAttribute("hidden");
      }).then(listen).then(flush,
        function (refused) { if (refused && refused.message) say(refused.message, true); });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) return;
      input.value = "";
      if (prechat.hasAttribute("hidden")) { post({ text: text }); return; }
      session().then(profile).then(function () { post({ text: text }); },
                                   function () { post({ text: text }); });
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    closer.addEventListener("click", function () { chat.close(); });
    attach.addEventListener("click", function () { picker.click(); });
    picker.addEventListener("change", function () {
      var chosen = picker.files && picker.files[0];
      picker.value = "";
      session().then(function () { upload(chosen); }, function () { say(words.offline || "", false); });
    });
    // The window opens on the click itself (a pop-up blocker allows that), then goes to the
    // one-time link once the server made it.
    onward.addEventListener("click", function () {
      var opened = window.open("", "_blank");
      if (opened) opened.opener = null;
      request("POST", "/continue", { token: token }).then(function (data) {
        if (data.ok && opened) opened.location.href = data.url;
        else { if (opened) opened.close(); say(data.message || "", true); }
      }, function () { if (opened) opened.close(); });
    });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") chat.close();
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && token) { catchUp(); flush(); }
    });
    window.addEventListener("online", function () { if (token) { catchUp(); flush(); } });

    var chat = {
      open: function () {
        state.open = true;
        panel.removeAttribute("hidden");
        context.launcher.setAttribute("aria-expanded", "true");
        state.unread = 0;
        context.badge.setAttribute("hidden", "");
        connect();
        input.focus();
      },
      close: function () {
        state.open = false;
        panel.setAttribute("hidden", "");
        context.launcher.setAttribute("aria-expanded", "false");
        context.launcher.focus();
      },
      // The site's signed word on who this is: the same visitor, and history, on any device.
      // Refused (unsigned, expired, wrongly signed): the visitor stays as it was.
      identify: function (jwt) {
        return session().then(function () {
          return request("POST", "/identify", { token: token, identity: jwt });
        }).then(function (data) {
          if (!data.ok || data.token === token) return;
          prechat.setAttribute("hidden", "");  // the site said who this is
          if (source) source.close();
          source = null; token = data.token; started = Promise.resolve(data);
          save(); clear();
          return catchUp().then(listen);
        }, function () {});
      },
      setAttributes: function (given) {
        attributes = Object.assign(attributes || {}, given);
        session().then(sendAttributes, function () {});
      },
      reset: function () {
        if (source) source.close();
        source = null; token = ""; pending = []; started = null;
        clear();
        if (state.open) connect();
      }
    };
    if (token) connect();
    return chat;
  };
})();
