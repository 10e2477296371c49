/* Nothing typed is lost (haandguide/keep_typed.py has the server's half).
 *
 * Every POST form with a textarea (unless marked data-no-draft) gets:
 * - a draft in localStorage, keyed by user, the form's address and the version it was opened at
 *   (its hidden "version" field, if any); only textareas and date fields are kept, never other
 *   inputs. It is offered back, with a notice, when the form is shown again with different text,
 *   and removed when the server says the form was saved (cookie hg_drafts_saved) or on log out;
 * - a heartbeat to the keep-alive address, sent only if the person typed since the last one, so a
 *   long text keeps the session alive and an idle page still times out;
 * - just before sending, the current CSRF cookie copied into the form (it changes when the person
 *   signed in again in another tab).
 * Loaded as a file, never inline: the Content Security Policy allows no inline script.
 */
(function () {
  "use strict";
  var body = document.body;
  var user = body.getAttribute("data-user");
  if (!user) { return; }
  var PREFIX = "hg-draft:" + user + ":";
  var MAX_AGE_MS = 14 * 24 * 3600 * 1000;
  var storage;
  try { storage = window.localStorage; storage.getItem("x"); } catch (e) { storage = null; }

  function keys(prefix) {
    var found = [];
    if (!storage) { return found; }
    for (var i = 0; i < storage.length; i++) {
      var key = storage.key(i);
      if (key && key.indexOf(prefix) === 0) { found.push(key); }
    }
    return found;
  }
  function removeAll(prefix) { keys(prefix).forEach(function (key) { storage.removeItem(key); }); }
  function read(key) {
    try { return JSON.parse(storage.getItem(key)); } catch (e) { return null; }
  }

  // Forms the server saved (a cookie it sets on the redirect after a save): their drafts, of
  // every version, are no longer needed.
  var saved = document.cookie.match(/(?:^|;\s*)hg_drafts_saved=([^;]*)/);
  if (saved) {
    decodeURIComponent(saved[1].replace(/^"|"$/g, "")).split(" ").forEach(function (path) {
      if (path) { removeAll(PREFIX + path + ":"); }
    });
    document.cookie = "hg_drafts_saved=; Max-Age=0; path=/; SameSite=Lax";
  }
  // Old drafts of this user go after two weeks.
  keys(PREFIX).forEach(function (key) {
    var draft = read(key);
    if (!draft || Date.now() - draft.at > MAX_AGE_MS) { storage.removeItem(key); }
  });
  document.querySelectorAll("form[data-clears-drafts]").forEach(function (form) {
    form.addEventListener("submit", function () { removeAll(PREFIX); });
  });

  function csrfCookie() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : null;
  }

  function kept(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type === "date"));
    });
  }
  function values(form) {
    var out = {};
    kept(form).forEach(function (el) { out[el.name] = el.value; });
    return out;
  }
  function differs(a, b) {
    return Object.keys(a).some(function (name) { return name in b && a[name] !== b[name]; });
  }
  function formatTime(ms) {
    var d = new Date(ms);
    return d.toLocaleDateString("da-DK") + " kl. " + d.toLocaleTimeString("da-DK", {hour: "2-digit", minute: "2-digit"});
  }
  function notice(form, cls, text) {
    var div = document.createElement("div");
    div.className = "alert " + cls;
    div.setAttribute("role", "status");
    var p = document.createElement("p");
    p.className = "mb-2";
    p.textContent = text;
    div.appendChild(p);
    form.parentNode.insertBefore(div, form);
    return div;
  }
  function button(parent, label, cls, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-sm me-2 " + cls;
    b.textContent = label;
    b.addEventListener("click", onClick);
    parent.appendChild(b);
    return b;
  }

  var forms = Array.prototype.filter.call(document.querySelectorAll("form"), function (form) {
    return (form.getAttribute("method") || "").toLowerCase() === "post" && !form.hasAttribute("data-no-draft") &&
      form.querySelector("textarea");
  });
  if (!forms.length) { return; }

  forms.forEach(function (form) {
    var action = new URL(form.getAttribute("action") || window.location.href, window.location.href).pathname;
    var version = form.elements.version ? form.elements.version.value : "";
    var key = PREFIX + action + ":" + version;
    var shown = values(form);
    var timer = null;

    var draft = storage ? read(key) : null;
    if (draft && draft.values && differs(draft.values, shown)) {
      var box = notice(form, "alert-info",
        "Du har en kladde fra " + formatTime(draft.at) + ", som ikke er gemt. Vil du hente den ind i formularen?");
      button(box, "Gendan kladden", "btn-primary", function () {
        kept(form).forEach(function (el) {
          if (el.name in draft.values) { el.value = draft.values[el.name]; }
        });
        box.remove();
        var first = kept(form)[0];
        if (first) { first.focus(); }
      });
      button(box, "Kassér kladden", "btn-outline-dark", function () {
        storage.removeItem(key);
        box.remove();
      });
    }

    function keep() {
      timer = null;
      if (!storage) { return; }
      var now = values(form);
      if (differs(now, shown)) {
        try { storage.setItem(key, JSON.stringify({at: Date.now(), values: now})); } catch (e) { /* full: the server still parks */ }
      } else {
        storage.removeItem(key);
      }
    }
    form.addEventListener("input", function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(keep, 400);
    });
    form.addEventListener("submit", function () {
      if (timer) { clearTimeout(timer); keep(); }
      var token = csrfCookie();
      if (token && form.elements.csrfmiddlewaretoken) { form.elements.csrfmiddlewaretoken.value = token; }
    });
  });

  // Heartbeat: only after real typing since the last one.
  var url = body.getAttribute("data-keepalive-url");
  var seconds = parseFloat(body.getAttribute("data-keepalive-seconds")) || 120;
  var typedAt = 0, beatAt = Date.now(), ended = false;
  document.addEventListener("input", function (event) {
    if (event.isTrusted) { typedAt = Date.now(); }
  }, true);
  var interval = setInterval(function () {
    if (ended || typedAt <= beatAt) { return; }
    beatAt = Date.now();
    var headers = {"X-Requested-With": "XMLHttpRequest"};
    var token = csrfCookie();
    if (token) { headers["X-CSRFToken"] = token; }
    fetch(url, {method: "POST", headers: headers, credentials: "same-origin"}).then(function (response) {
      if (response.status === 401 || response.status === 403) {
        ended = true;
        clearInterval(interval);
        notice(forms[0], "alert-warning",
          "Din session er udløbet. Det, du skriver, er gemt her i browseren og går ikke tabt: " +
          "tryk «Gem», så beder vi dig logge ind igen og gemmer bagefter.");
      }
    }).catch(function () { /* offline for a moment: the next keystroke tries again */ });
  }, seconds * 1000);
}());
