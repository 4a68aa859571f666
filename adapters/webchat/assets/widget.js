/* Pasokh web chat: the loader in the snippet. It draws the bubble and fetches nothing more
   until the visitor opens the chat, or a conversation already exists (a token is kept).
   Everything lives in an open shadow root on <div id="pasokh-webchat">. */
(function () {
  "use strict";
  if (window.Pasokh && window.Pasokh.version) return;
  var WORDS = __WORDS__;
  var script = document.currentScript ||
    document.querySelector("script[data-channel][src*='/webchat/widget.js']");
  if (!script) return;
  var channel = script.getAttribute("data-channel") || "";
  var base = new URL(script.src, location.href).origin;
  var storeKey = "pasokh-webchat:" + channel;
  var state = { open: false, unread: 0, chat: null, loading: false, queue: [] };

  function stored() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  // The bubble's words in the channel's language: as the server last said it, else as the
  // snippet says (data-lang, for a channel in English), else the page's own language.
  var lang = (stored().language || script.getAttribute("data-lang") ||
    document.documentElement.lang || "fa").slice(0, 2) === "en" ? "en" : "fa";
  var words = WORDS[lang];

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) node.appendChild(document.createTextNode(text));
    return node;
  }

  function start() {
    var host = document.getElementById("pasokh-webchat");
    if (!host) { host = element("div", { id: "pasokh-webchat" }); document.body.appendChild(host); }
    // Inline and !important: a page's own `div { … !important }` cannot hide or move it.
    host.style.setProperty("all", "initial", "important");
    host.style.setProperty("display", "block", "important");
    host.style.setProperty("position", "fixed", "important");
    host.style.setProperty("z-index", "2147483000", "important");
    host.style.setProperty("inset", "auto 16px 16px auto", "important");
    host.style.setProperty("width", "0", "important");
    host.style.setProperty("height", "0", "important");
    var root = host.shadowRoot || host.attachShadow({ mode: "open" });
    var style = element("style");
    style.textContent =
      ":host{all:initial}" +
      "[data-pasokh=launcher]{all:initial;position:fixed;bottom:16px;right:16px;width:56px;height:56px;" +
      "border-radius:50%;background:#5b5bd6;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);" +
      "display:flex;align-items:center;justify-content:center;z-index:2}" +
      "[data-pasokh=launcher]:focus-visible{outline:3px solid #ffb800;outline-offset:2px}" +
      "[data-pasokh=launcher] svg{width:28px;height:28px;fill:#fff}" +
      "[data-pasokh=badge]{all:initial;position:absolute;top:-4px;left:-4px;min-width:20px;height:20px;" +
      "border-radius:10px;background:#d92d20;color:#fff;font:bold 12px/20px system-ui,sans-serif;" +
      "text-align:center;padding:0 5px;box-sizing:border-box}" +
      "[data-pasokh=badge][hidden]{display:none}";
    root.appendChild(style);
    var launcher = element("button", { type: "button", "data-pasokh": "launcher",
      "aria-label": words.open, "aria-expanded": "false" });
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z");
    svg.appendChild(path);
    launcher.appendChild(svg);
    var badge = element("span", { "data-pasokh": "badge", "aria-label": words.unread, hidden: "" });
    launcher.appendChild(badge);
    root.appendChild(launcher);
    launcher.addEventListener("click", function () { state.open ? api.close() : api.open(); });

    var context = { root: root, host: host, base: base, channel: channel, storeKey: storeKey,
      launcher: launcher, badge: badge, state: state, lang: lang };

    function load(then) {
      if (state.chat) { if (then) then(); return; }
      if (then) state.queue.push(then);
      if (state.loading) return;
      state.loading = true;
      var link = element("link", { rel: "stylesheet", href: base + "/webchat/chat.css" });
      root.appendChild(link);
      var code = element("script", { src: base + "/webchat/chat.js", async: "" });
      code.onload = function () {
        state.chat = window.__pasokhWebchat(context);
        state.queue.splice(0).forEach(function (next) { next(); });
      };
      document.head.appendChild(code);
    }

    var api = {
      version: 1,
      open: function () { load(function () { state.chat.open(); }); },
      close: function () { if (state.chat) state.chat.close(); },
      identify: function (jwt) { load(function () { state.chat.identify(String(jwt || "")); }); },
      setAttributes: function (attributes) {
        load(function () { state.chat.setAttributes(attributes || {}); });
      },
      reset: function () {
        try { localStorage.removeItem(storeKey); } catch (e) { /* private mode */ }
        if (state.chat) state.chat.reset();
      }
    };
    window.Pasokh = api;
    if (stored().token) load();  // a conversation exists: its replies must reach the badge
    window.dispatchEvent(new CustomEvent("pasokh:ready", { detail: { channel: channel } }));
  }

  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
