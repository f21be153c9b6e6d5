// Limner's small behaviours. No business rules here: the server checks everything again.
// Loaded with `defer`; the Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  function countMessage(textarea) {
    var box = document.querySelector("[data-count-message]");
    if (!box) return;
    var n = textarea.value.length;
    box.textContent = n === 1 ? "1 character" : n + " characters";
  }

  function useRewrite(button) {
    var prompt = document.getElementById("prompt");
    if (!prompt) return;
    prompt.value = button.getAttribute("data-rewrite");
    prompt.dispatchEvent(new Event("input", { bubbles: true }));
    prompt.focus();
    prompt.setSelectionRange(prompt.value.length, prompt.value.length);
  }

  function copyText(button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target || !navigator.clipboard) return;
    navigator.clipboard.writeText(target.textContent.trim()).then(function () {
      var status = document.getElementById(button.getAttribute("data-copy-status"));
      if (status) status.textContent = "Copied to the clipboard.";
    });
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-char-count]")) countMessage(event.target);
  });

  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-rewrite], [data-copy-target], [data-passkey-auth]") : null;
    if (!el) return;
    if (el.hasAttribute("data-rewrite")) useRewrite(el);
    else if (el.hasAttribute("data-copy-target")) copyText(el);
    else if (el.hasAttribute("data-passkey-auth")) passkeySignIn(el);
  });

  // One placeholder per requested image while the server renders them (the page is replaced on reply).
  function showPlaceholders(form) {
    var box = document.getElementById("pending");
    var count = form.querySelector("#n");
    if (!box || !count) return;
    var n = Math.min(Math.max(parseInt(count.value, 10) || 1, 1), parseInt(count.getAttribute("max"), 10) || 1);
    box.textContent = "";
    for (var i = 1; i <= n; i++) {
      var slot = document.createElement("div");
      slot.className = "placeholder";
      slot.textContent = "Image " + i + " of " + n + ": rendering…";
      box.appendChild(slot);
    }
    box.hidden = false;
    box.setAttribute("aria-busy", "true");
  }

  document.addEventListener("submit", function (event) {
    if (event.target.id === "generate-form") showPlaceholders(event.target);
    var button = event.target.querySelector("[data-busy-label]");
    if (!button) return;
    if (button.getAttribute("aria-disabled") === "true") { event.preventDefault(); return; }
    button.setAttribute("aria-disabled", "true");
    button.textContent = button.getAttribute("data-busy-label");
  });

  // htmx: mark the region being updated as busy, so screen readers wait for the whole result.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target) target.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail.target;
    if (target) target.removeAttribute("aria-busy");
  });

  document.addEventListener("DOMContentLoaded", function () {
    var focus = document.querySelector("[data-autofocus]");
    if (focus) focus.focus();
  });

  // Passkeys: WebAuthn needs script; the server checks the assertion (POST /v1/limner/auth/mfa/verify).
  function b64urlToBytes(value) {
    var s = value.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var raw = atob(s), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out.buffer;
  }
  function bytesToB64url(buffer) {
    var bytes = new Uint8Array(buffer), s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function csrf() {
    var match = document.cookie.match(/(?:^|; )limner_csrf=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function postJson(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf() },
      body: JSON.stringify(body || {})
    }).then(function (r) { if (!r.ok) throw new Error("verification failed"); return r.json(); });
  }
  function passkeySignIn(button) {
    var error = document.querySelector("[data-passkey-error]");
    postJson("/v1/limner/auth/mfa/passkeys/authenticate/options").then(function (options) {
      options.challenge = b64urlToBytes(options.challenge);
      (options.allowCredentials || []).forEach(function (c) { c.id = b64urlToBytes(c.id); });
      return navigator.credentials.get({ publicKey: options });
    }).then(function (cred) {
      var r = cred.response;
      return postJson("/v1/limner/auth/mfa/verify", { method: "passkey", credential: {
        id: cred.id, rawId: bytesToB64url(cred.rawId), type: cred.type,
        response: {
          clientDataJSON: bytesToB64url(r.clientDataJSON), authenticatorData: bytesToB64url(r.authenticatorData),
          signature: bytesToB64url(r.signature), userHandle: r.userHandle ? bytesToB64url(r.userHandle) : null
        }
      } });
    }).then(function () {
      window.location.assign(button.getAttribute("data-next") || "/");
    }).catch(function () {
      if (error) { error.hidden = false; error.textContent = "The passkey could not be used. Try again or use a code."; }
    });
  }
})();
