/*
 * 광주 AI 중심도시 도우미 — chat widget. One script tag embeds it in any page:
 *   <script src="https://HOST/widget.js" defer></script>                 floating launcher + panel
 *   <script src="https://HOST/widget.js" data-target="#chat" defer></script>  panel inside #chat (always open)
 * Vanilla JS, no dependencies, everything served by the app. Bot and user text only ever goes through
 * textContent (never innerHTML); links are made with DOM nodes and only for http(s) URLs.
 */
(function () {
  "use strict";
  if (window.__gjChatWidget) return;
  window.__gjChatWidget = true;

  var script = document.currentScript;
  var base = new URL(script && script.src ? script.src : "/widget.js", window.location.href);
  var API = new URL("/api/chat", base).href;
  var CSS = new URL("/static/widget.css", base).href;
  var targetSelector = script && script.getAttribute("data-target");

  var KEY_SENDER = "gjchat:sender";
  var KEY_HISTORY = "gjchat:history";
  var MAX_HISTORY = 100;
  var MAX_CHARS = 2000;
  var TEXT = {
    title: "광주 AI 도우미",
    subtitle: "AI 사업 안내 · 생활 불편 제안",
    open: "광주 AI 도우미 채팅 열기",
    close: "채팅 닫기",
    log: "대화 내용",
    input: "메시지 입력",
    placeholder: "궁금한 점을 입력해 주세요",
    send: "보내기",
    typing: "답변을 준비하고 있어요",
    intro: "안녕하세요! 광주 인공지능 중심도시 사업 안내와 생활 불편 제안 접수를 도와드려요. 궁금한 점을 입력해 주세요.",
    replies: "빠른 답변",
    apology: "죄송해요, 지금 상담 서비스에 잠시 문제가 있어요. 잠시 후 다시 말씀해 주세요.",
    network: "죄송해요, 인터넷 연결이 원활하지 않아요. 연결을 확인한 뒤 다시 보내 주세요.",
    tooLong: "메시지는 " + MAX_CHARS + "자 이내로 보내 주세요.",
    empty: "답변을 찾지 못했어요. 다르게 말씀해 주시겠어요?",
    you: "나",
    bot: "도우미"
  };

  // ------------------------------------------------------------------ storage (works without it, too)
  var memory = {};
  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return memory[key] || null; }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { memory[key] = value; }
  }
  function senderId() {
    var id = load(KEY_SENDER);
    if (!id || !/^[A-Za-z0-9_.-]{8,64}$/.test(id)) {
      var bytes = new Uint8Array(12);
      window.crypto.getRandomValues(bytes);
      id = "w" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      save(KEY_SENDER, id);
    }
    return id;
  }
  function readHistory() {
    try {
      var items = JSON.parse(load(KEY_HISTORY) || "[]");
      return Array.isArray(items) ? items.filter(function (m) { return m && (m.from === "user" || m.from === "bot"); }) : [];
    } catch (e) { return []; }
  }
  function writeHistory(items) {
    save(KEY_HISTORY, JSON.stringify(items.slice(-MAX_HISTORY)));
  }

  // ------------------------------------------------------------------ DOM helpers
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  var URL_RE = /https?:\/\/[^\s<>"']+/g;
  function linkified(text) {
    var frag = document.createDocumentFragment();
    var last = 0;
    String(text).replace(URL_RE, function (match, offset) {
      var url = match.replace(/[).,!?…]+$/, "");
      var safe = null;
      try { safe = new URL(url); } catch (e) { safe = null; }
      if (!safe || (safe.protocol !== "https:" && safe.protocol !== "http:")) return match;
      frag.appendChild(document.createTextNode(text.slice(last, offset)));
      frag.appendChild(el("a", { href: safe.href, target: "_blank", rel: "noopener noreferrer", text: url }));
      last = offset + url.length;
      return match;
    });
    frag.appendChild(document.createTextNode(String(text).slice(last)));
    return frag;
  }

  // ------------------------------------------------------------------ build the widget
  var host = el("div", { className: "gjchat-host" });
  var inlineTarget = targetSelector ? document.querySelector(targetSelector) : null;
  var inline = !!inlineTarget;
  if (inline) { host.style.display = "block"; host.style.height = "100%"; }  // fill the target; the log scrolls
  (inline ? inlineTarget : document.body).appendChild(host);
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  root.appendChild(el("link", { rel: "stylesheet", href: CSS }));

  var launcher = inline ? null : el("button", {
    type: "button", className: "gjc-launcher", "aria-expanded": "false", "aria-controls": "gjc-panel",
    "aria-label": TEXT.open
  }, [el("span", { className: "gjc-launcher-icon", "aria-hidden": "true", text: "💬" }),
      el("span", { text: TEXT.title })]);

  var log = el("div", {
    className: "gjc-log", id: "gjc-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": TEXT.log, tabindex: "0"
  });
  var input = el("textarea", {
    id: "gjc-input", className: "gjc-input", rows: "1", maxlength: String(MAX_CHARS),
    placeholder: TEXT.placeholder, enterkeyhint: "send", autocomplete: "off"
  });
  var sendButton = el("button", { type: "submit", className: "gjc-send", text: TEXT.send });
  var form = el("form", { className: "gjc-form", novalidate: "" }, [
    el("label", { for: "gjc-input", className: "gjc-sr", text: TEXT.input }), input, sendButton
  ]);
  var closeButton = inline ? null : el("button", {
    type: "button", className: "gjc-close", "aria-label": TEXT.close, text: "✕"
  });
  var panel = el("section", {
    className: "gjc-panel" + (inline ? " gjc-inline" : ""), id: "gjc-panel",
    role: inline ? "region" : "dialog", "aria-label": TEXT.title + " 채팅"
  }, [
    el("header", { className: "gjc-header" }, [
      el("div", {}, [el("h2", { className: "gjc-title", text: TEXT.title }),
                     el("p", { className: "gjc-subtitle", text: TEXT.subtitle })]),
      closeButton
    ]),
    log, form
  ]);
  if (!inline) panel.hidden = true;
  if (launcher) root.appendChild(launcher);
  root.appendChild(panel);

  var typing = el("div", { className: "gjc-msg gjc-bot gjc-typing", role: "status" }, [
    el("span", { className: "gjc-sr", text: TEXT.typing }),
    el("span", { className: "gjc-dot", "aria-hidden": "true" }),
    el("span", { className: "gjc-dot", "aria-hidden": "true" }),
    el("span", { className: "gjc-dot", "aria-hidden": "true" })
  ]);

  // ------------------------------------------------------------------ messages
  var sender = senderId();
  var history = readHistory();
  var busy = false;

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function choiceButton(title, payload, className, children) {
    var b = el("button", { type: "button", className: className }, children || [el("span", { text: title })]);
    b.addEventListener("click", function () {
      if (b.disabled) return;
      send(payload, title);
    });
    return b;
  }

  function renderMessage(m) {
    var isUser = m.from === "user";
    var bubble = el("div", { className: "gjc-msg " + (isUser ? "gjc-user" : "gjc-bot") + (m.error ? " gjc-error" : "") });
    bubble.appendChild(el("span", { className: "gjc-sr", text: (isUser ? TEXT.you : TEXT.bot) + ": " }));
    if (m.text) {
      var text = el("div", { className: "gjc-text" });
      text.appendChild(isUser ? document.createTextNode(m.text) : linkified(m.text));
      bubble.appendChild(text);
    }
    if (!isUser && m.image && /^https?:\/\//.test(m.image)) {
      bubble.appendChild(el("img", { className: "gjc-image", src: m.image, alt: "", loading: "lazy" }));
    }
    if (!isUser && m.custom && m.custom.type === "list" && Array.isArray(m.custom.items)) {
      bubble.appendChild(renderList(m.custom));
    }
    if (!isUser && Array.isArray(m.buttons) && m.buttons.length) {
      var group = el("div", { className: "gjc-replies", role: "group", "aria-label": TEXT.replies });
      m.buttons.forEach(function (b) {
        if (b && b.title) group.appendChild(choiceButton(String(b.title), String(b.payload || b.title), "gjc-reply"));
      });
      bubble.appendChild(group);
    }
    log.appendChild(bubble);
    scrollDown();
    return bubble;
  }

  function renderList(custom) {
    var section = el("div", { className: "gjc-list" });
    var headingId = "gjc-list-" + Math.random().toString(36).slice(2);
    if (custom.title) section.appendChild(el("h3", { className: "gjc-list-title", id: headingId, text: String(custom.title) }));
    var list = el("ul", custom.title ? { "aria-labelledby": headingId } : {});
    custom.items.forEach(function (item) {
      if (!item || !item.title) return;
      var parts = [el("span", { className: "gjc-item-title", text: String(item.title) })];
      if (item.description) parts.push(el("span", { className: "gjc-item-desc", text: String(item.description) }));
      var li = el("li", {});
      li.appendChild(item.payload ? choiceButton(String(item.title), String(item.payload), "gjc-item", parts)
                                  : el("div", { className: "gjc-item gjc-item-static" }, parts));
      list.appendChild(li);
    });
    section.appendChild(list);
    return section;
  }

  // Quick replies and list choices belong to the latest bot turn only.
  // Returns the buttons it retired, so a failed send can offer them again.
  function retireChoices() {
    var retired = [];
    Array.prototype.forEach.call(log.querySelectorAll(".gjc-reply, .gjc-item"), function (b) {
      if (b.tagName === "BUTTON" && !b.disabled) {
        b.disabled = true; b.setAttribute("aria-disabled", "true"); retired.push(b);
      }
    });
    return retired;
  }

  function setBusy(on) {
    busy = on;
    sendButton.setAttribute("aria-disabled", on ? "true" : "false");
    panel.setAttribute("aria-busy", on ? "true" : "false");
    if (on) { log.appendChild(typing); scrollDown(); }
    else if (typing.parentNode) typing.parentNode.removeChild(typing);
  }

  function botMessages(data) {
    var list = data && Array.isArray(data.messages) ? data.messages : [];
    return list.filter(function (m) { return m && (m.text || (m.buttons && m.buttons.length) || m.custom || m.image); })
      .map(function (m) {
        return { from: "bot", text: m.text ? String(m.text) : "", buttons: m.buttons || [], custom: m.custom || null,
                 image: m.image || null };
      });
  }

  // Sends `payload` to the assistant, showing `shown` (a button title) or the typed text as the citizen's bubble.
  // Returns false when nothing was sent (already waiting for an answer, empty or too long).
  function send(payload, shown) {
    var text = String(payload || "").trim();
    if (busy || !text) return false;
    if (text.length > MAX_CHARS) {
      renderMessage({ from: "bot", text: TEXT.tooLong, error: true });
      return false;
    }
    var typed = shown === undefined;
    var userEntry = { from: "user", text: typed ? text : String(shown) };
    var retired = retireChoices();
    renderMessage(userEntry);
    setBusy(true);
    fetch(API, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ sender: sender, message: text }),
      credentials: "omit"
    }).then(function (resp) {
      return resp.json().catch(function () { return null; }).then(function (data) {
        if (!resp.ok) {
          var msg = (data && data.messages && data.messages[0] && data.messages[0].text) ||
                    (data && data.error && data.error.message) || TEXT.apology;
          return failed(msg, typed ? text : "", retired);
        }
        var replies = botMessages(data);
        if (!replies.length) replies = [{ from: "bot", text: TEXT.empty }];
        history.push(userEntry);
        replies.forEach(function (m) { history.push(m); renderMessage(m); });
        writeHistory(history);
      });
    }).catch(function () {
      failed(TEXT.network, typed ? text : "", retired);
    }).then(function () {
      setBusy(false);
    });
    return true;
  }

  // The failed message is not kept in the history; a typed one goes back into the input to retry, and the
  // choices it retired can be clicked again.
  function failed(message, retryText, retired) {
    renderMessage({ from: "bot", text: message, error: true });
    retired.forEach(function (b) { b.disabled = false; b.removeAttribute("aria-disabled"); });
    if (retryText && !input.value.trim()) { input.value = retryText; autosize(); }
    input.focus();
  }

  // ------------------------------------------------------------------ input: Korean IME and one send per message
  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  }
  function submit() {
    if (send(input.value)) { input.value = ""; autosize(); }
  }
  input.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || e.shiftKey) return;
    // While the IME is composing a syllable (한글 조합 중), Enter only commits it: never send half a word.
    if (e.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    submit();
  });
  input.addEventListener("input", autosize);
  form.addEventListener("submit", function (e) { e.preventDefault(); submit(); });

  // ------------------------------------------------------------------ open / close (floating mode)
  function openPanel() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcher.hidden = true;
    scrollDown();
    input.focus();
  }
  function closePanel() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  if (!inline) {
    launcher.addEventListener("click", openPanel);
    closeButton.addEventListener("click", closePanel);
    panel.addEventListener("keydown", function (e) { if (e.key === "Escape") closePanel(); });
  }

  // ------------------------------------------------------------------ start: intro, then the kept conversation
  renderMessage({ from: "bot", text: TEXT.intro });
  history.forEach(renderMessage);
  var lastUser = -1;
  history.forEach(function (m, i) { if (m.from === "user") lastUser = i; });
  if (lastUser >= 0) {
    // Choices offered before the citizen's last message were already answered.
    var bubbles = log.querySelectorAll(".gjc-msg");
    for (var i = 0; i <= lastUser; i++) {
      Array.prototype.forEach.call(bubbles[i + 1].querySelectorAll("button"), function (b) {
        b.disabled = true; b.setAttribute("aria-disabled", "true");
      });
    }
  }
  window.gjChat = { open: inline ? function () { input.focus(); } : openPanel, send: function (t) { return send(t); } };
})();
