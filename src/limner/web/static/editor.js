// The editor's mask canvas: paint or erase the area to change, undo, clear. No business rules here:
// the server checks the mask's size and content again. On every change the painted area is exported
// into the form as a PNG whose alpha is 0 where painted (OpenAI's mask convention).
(function () {
  "use strict";
  var UNDO_DEPTH = 20;

  function setUp(canvas) {
    var ctx = canvas.getContext("2d");
    var field = document.getElementById("mask-data");
    var size = document.getElementById("brush-size");
    var undo = document.getElementById("mask-undo");
    var status = document.getElementById("mask-status");
    var history = [];
    var last = null;

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return { x: (event.clientX - box.left) * canvas.width / box.width,
               y: (event.clientY - box.top) * canvas.height / box.height };
    }
    function erasing() {
      var tool = document.querySelector('input[name="mask-tool"]:checked');
      return tool !== null && tool.value === "erase";
    }
    function stroke(from, to) {
      ctx.globalCompositeOperation = erasing() ? "destination-out" : "source-over";
      ctx.strokeStyle = "#d4351c";
      ctx.lineWidth = Math.max(1, Number(size.value) * canvas.width / canvas.getBoundingClientRect().width);
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.beginPath();
      ctx.moveTo(from.x, from.y);
      ctx.lineTo(to.x + 0.01, to.y);
      ctx.stroke();
    }
    function snapshot() {
      history.push(ctx.getImageData(0, 0, canvas.width, canvas.height));
      if (history.length > UNDO_DEPTH) history.shift();
      undo.disabled = false;
    }
    function painted() {
      var px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      for (var i = 3; i < px.length; i += 4) if (px[i] > 0) return true;
      return false;
    }
    function save() {
      if (!painted()) { field.value = ""; status.textContent = "Nothing is marked yet."; return; }
      var out = document.createElement("canvas");
      out.width = canvas.width;
      out.height = canvas.height;
      var o = out.getContext("2d");
      o.fillStyle = "#000";
      o.fillRect(0, 0, out.width, out.height);
      o.globalCompositeOperation = "destination-out";
      o.drawImage(canvas, 0, 0);
      field.value = out.toDataURL("image/png");
      status.textContent = "The marked area will change.";
    }
    function restore(url) {
      // After a refused submit the page comes back with the mask: show it again, nothing is lost.
      var img = new Image();
      img.onload = function () {
        var tmp = document.createElement("canvas");
        tmp.width = canvas.width;
        tmp.height = canvas.height;
        var t = tmp.getContext("2d");
        t.drawImage(img, 0, 0, canvas.width, canvas.height);
        var src = t.getImageData(0, 0, canvas.width, canvas.height);
        var dst = ctx.createImageData(canvas.width, canvas.height);
        for (var i = 0; i < src.data.length; i += 4) {
          if (src.data[i + 3] < 128) { dst.data[i] = 212; dst.data[i + 1] = 53; dst.data[i + 2] = 28; dst.data[i + 3] = 255; }
        }
        ctx.putImageData(dst, 0, 0);
      };
      img.src = url;
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      snapshot();
      last = point(event);
      stroke(last, last);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (last === null) return;
      var next = point(event);
      stroke(last, next);
      last = next;
    });
    function end() {
      if (last === null) return;
      last = null;
      save();
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    undo.addEventListener("click", function () {
      if (history.length) ctx.putImageData(history.pop(), 0, 0);
      undo.disabled = history.length === 0;
      save();
    });
    document.getElementById("mask-clear").addEventListener("click", function () {
      snapshot();
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      save();
    });
    if (field.value) restore(field.value);
    document.getElementById("mask-tools").hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var canvas = document.getElementById("mask");
    if (canvas && canvas.getContext) setUp(canvas);
  });
})();
