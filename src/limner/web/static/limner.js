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
    var el = event.target.closest ? event.target.closest("[data-rewrite], [data-copy-target]") : null;
    if (!el) return;
    if (el.hasAttribute("data-rewrite")) useRewrite(el);
    else if (el.hasAttribute("data-copy-target")) copyText(el);
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

  // With script the Generate form posts to its data-stream URL: server-sent events bring each image's
  // checked partial renderings (where the model streams), then the page the plain post would have shown.
  function readEvents(response, onEvent) {
    var reader = response.body.getReader(), decoder = new TextDecoder(), buffer = "";
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) return;
        buffer += decoder.decode(chunk.value, { stream: true });
        var blocks = buffer.split("\n\n");
        buffer = blocks.pop();
        blocks.forEach(function (block) {
          var data = block.split("\n").filter(function (line) { return line.indexOf("data: ") === 0; });
          if (data.length) onEvent(JSON.parse(data.map(function (line) { return line.slice(6); }).join("\n")));
        });
        return pump();
      });
    }
    return pump();
  }
  function showPartial(body) {
    var slots = document.querySelectorAll("#pending .placeholder");
    var slot = slots[body.image_index];
    if (!slot) return;
    var img = slot.querySelector("img") || slot.appendChild(document.createElement("img"));
    img.alt = "Image " + (body.image_index + 1) + " of " + slots.length + ", still rendering";
    img.src = body.src;
  }
  function showPage(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    document.title = doc.title;
    document.body.replaceWith(document.adoptNode(doc.body));
    if (window.htmx) window.htmx.process(document.body);
    var focus = document.querySelector("[data-autofocus]");
    if (focus) focus.focus();
  }
  function streamGenerate(form) {
    var started = false;
    fetch(form.getAttribute("data-stream"), {
      method: "POST", credentials: "same-origin", body: new FormData(form), headers: { accept: "text/event-stream" }
    }).then(function (response) {
      var type = response.headers.get("content-type") || "";
      if (!response.ok || !response.body || type.indexOf("text/event-stream") !== 0) throw new Error("no stream");
      started = true;
      return readEvents(response, function (body) {
        if (body.type === "partial_image") showPartial(body);
        else if (body.type === "page") showPage(body.html);
      });
    }).catch(function () {
      if (!started) { form.submit(); return; }  // nothing ran yet: the plain post
      var box = document.getElementById("pending");
      if (box) box.textContent = "The connection was lost. Your images will be in your gallery once they are ready.";
    });
  }
  function canStream(form) {
    return form.hasAttribute("data-stream") && window.fetch && window.TextDecoder && window.ReadableStream && window.DOMParser;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target, button = form.querySelector("[data-busy-label]");
    if (button && button.getAttribute("aria-disabled") === "true") { event.preventDefault(); return; }
    if (form.id === "generate-form") {
      showPlaceholders(form);
      if (canStream(form)) { event.preventDefault(); streamGenerate(form); }
    }
    if (!button) return;
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
    // After every other DOMContentLoaded handler (htmx, the editor): the page's behaviours are wired.
    // bench/ui_speed.py reads this mark as the page's time to interactive.
    setTimeout(function () { if (window.performance && performance.mark) performance.mark("limner:ready"); }, 0);
  });

  // Passkeys: WebAuthn needs script. The script only runs the ceremony with the server's options (from the
  // API) and puts the browser's answer in the form's hidden "credential" field; the form posts as usual and
  // the server verifies it (a failure comes back as an error on the page).
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
  function postJson(url, csrfToken) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrfToken }, body: "{}"
    }).then(function (r) { if (!r.ok) throw new Error("options refused"); return r.json(); });
  }
  function idsToBytes(list) {
    (list || []).forEach(function (c) { c.id = b64urlToBytes(c.id); });
  }
  function createPasskey(options) {
    options.challenge = b64urlToBytes(options.challenge);
    options.user.id = b64urlToBytes(options.user.id);
    idsToBytes(options.excludeCredentials);
    return navigator.credentials.create({ publicKey: options }).then(function (cred) {
      var r = cred.response;
      return {
        id: cred.id, rawId: bytesToB64url(cred.rawId), type: cred.type,
        response: {
          clientDataJSON: bytesToB64url(r.clientDataJSON), attestationObject: bytesToB64url(r.attestationObject),
          transports: r.getTransports ? r.getTransports() : []
        },
        clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
      };
    });
  }
  function getPasskey(options) {
    options.challenge = b64urlToBytes(options.challenge);
    idsToBytes(options.allowCredentials);
    return navigator.credentials.get({ publicKey: options }).then(function (cred) {
      var r = cred.response;
      return {
        id: cred.id, rawId: bytesToB64url(cred.rawId), type: cred.type,
        response: {
          clientDataJSON: bytesToB64url(r.clientDataJSON), authenticatorData: bytesToB64url(r.authenticatorData),
          signature: bytesToB64url(r.signature), userHandle: r.userHandle ? bytesToB64url(r.userHandle) : null
        },
        clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
      };
    });
  }
  var CEREMONIES = {
    register: { options: "/v1/limner/auth/mfa/passkeys/register/options", run: createPasskey,
      failed: "Your browser did not create a passkey. Try again, or use another device." },
    auth: { options: "/v1/limner/auth/mfa/passkeys/authenticate/options", run: getPasskey,
      failed: "The passkey could not be used. Try again, or use a code." }
  };
  function passkeyCeremony(form, ceremony) {
    var field = form.querySelector("input[name=credential]");
    var error = form.querySelector("[data-passkey-error]");
    var csrfToken = form.querySelector("input[name=csrf_token]").value;
    if (error) error.textContent = "";
    if (!window.PublicKeyCredential || !navigator.credentials) {
      if (error) error.textContent = "This browser cannot use passkeys.";
      return;
    }
    postJson(ceremony.options, csrfToken).then(ceremony.run).then(function (credential) {
      field.value = JSON.stringify(credential);
      form.submit();
    }).catch(function () {
      field.value = "";
      if (error) error.textContent = ceremony.failed;
    });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var kind = form.hasAttribute("data-passkey-register") ? "register" : (form.hasAttribute("data-passkey-auth") ? "auth" : null);
    if (!kind) return;
    event.preventDefault();  // the ceremony first; it submits the form with the browser's answer
    passkeyCeremony(form, CEREMONIES[kind]);
  });
})();
