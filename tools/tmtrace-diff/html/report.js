/* report.js — the interactive parts of tmtrace-diff's HTML report: it lays out and draws the icicle flame graphs
 * that the C code computed (tree, totals and frames come in <script type="application/json"> elements), shows a
 * frame's details on hover, zooms on click, highlights frames matching a search, sorts tables and switches the
 * statistics tabs. It computes no statistics of its own. */
(function () {
  "use strict";

  var ROW = 18;          // px per flame-graph level
  var MIN_WIDTH = 0.5;   // px: narrower nodes (and everything under them) are not drawn
  var FRAME_FIELDS = 5;  // filename, lineno, column, function, source line (see frame_table.c)

  var frameTable = JSON.parse(document.getElementById("tmtrace-frames").textContent);
  var strings = frameTable.strings;
  var frames = frameTable.frames;

  function frameFile(f) { return strings[frames[f * FRAME_FIELDS]]; }
  function frameLine(f) { return frames[f * FRAME_FIELDS + 1]; }
  function frameFunction(f) { return strings[frames[f * FRAME_FIELDS + 3]]; }
  function frameSource(f) { return strings[frames[f * FRAME_FIELDS + 4]]; }
  function location(f) { return frameFile(f) + ":" + frameLine(f); }
  function baseName(path) { return path.slice(path.lastIndexOf("/") + 1); }
  function bytes(n) { return n.toLocaleString("en-US") + " B"; }
  function signed(n, text) { return (n < 0 ? "-" : "+") + text(Math.abs(n)); }  // as the text output signs
  function plain(n) { return n.toLocaleString("en-US"); }

  function hashHue(text) {
    var h = 0;
    for (var i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
    return Math.abs(h) % 50;  // reds to yellows: the classic flame palette
  }

  /* One flame graph: the tree of one <div class="flame">, laid out once, drawn at any zoom. */
  function Flame(container) {
    this.container = container;
    this.canvas = container.querySelector(".flame-canvas");
    this.tip = container.querySelector(".flame-tip");
    this.status = container.querySelector(".flame-status");
    this.search = container.querySelector(".flame-search");
    this.data = null;
    this.focus = 0;
    this.pattern = null;
    this.rects = [];
  }

  /* Offsets, parents and subtree ends from the preorder depths. */
  Flame.prototype.layout = function () {
    var d = JSON.parse(this.container.querySelector(".flame-data").textContent);
    var n = d.nodes, diff = d.kind === "compare";
    var width = new Float64Array(n), x = new Float64Array(n), next = new Float64Array(n);
    var parent = new Int32Array(n), end = new Int32Array(n), stack = [];
    var maxDepth = 0;
    for (var i = 0; i < n; i++) {
      width[i] = diff ? d.grow[i] + d.shrink[i] : d.size[i];
      var depth = d.depth[i];
      while (stack.length > depth) end[stack.pop()] = i;
      var p = stack.length ? stack[stack.length - 1] : -1;
      parent[i] = p;
      x[i] = p < 0 ? 0 : next[p];
      if (p >= 0) next[p] += width[i];
      next[i] = x[i];
      stack.push(i);
      if (depth > maxDepth) maxDepth = depth;
    }
    while (stack.length) end[stack.pop()] = n;
    this.data = d;
    this.diff = diff;
    this.width = width;
    this.x = x;
    this.parent = parent;
    this.end = end;
    this.maxDepth = maxDepth;
    this.canvas.dataset.nodes = String(n - 1);
  };

  Flame.prototype.matches = function (i) {
    if (!this.pattern || i === 0) return false;
    var f = this.data.frame[i];
    return this.pattern.test(location(f) + " " + frameFunction(f));
  };

  Flame.prototype.color = function (i) {
    if (this.pattern) return this.matches(i) ? "#c21fd6" : "#d5d9e0";
    if (i === 0) return "#9aa3b2";
    var f = this.data.frame[i];
    return "hsl(" + hashHue(frameFile(f)) + ", 78%, " + (58 + (frameLine(f) % 7) * 2) + "%)";
  };

  Flame.prototype.drawRect = function (ctx, i, px, py, pw) {
    if (this.diff && !this.pattern && i !== 0) {
      var grow = this.data.grow[i], total = grow + this.data.shrink[i];
      var gw = total ? pw * grow / total : 0;
      ctx.fillStyle = "#d2452f";
      ctx.fillRect(px, py, gw, ROW - 1);
      ctx.fillStyle = "#2f8f5b";
      ctx.fillRect(px + gw, py, pw - gw, ROW - 1);
    } else {
      ctx.fillStyle = this.color(i);
      ctx.fillRect(px, py, pw, ROW - 1);
    }
    if (pw < 24) return;
    var label;
    if (i === 0) {
      label = "all traces";
    } else {
      var f = this.data.frame[i], fn = frameFunction(f);
      label = (fn ? fn + " " : "") + baseName(frameFile(f)) + ":" + frameLine(f);
    }
    var fits = Math.floor((pw - 6) / this.charWidth);
    if (fits < 2) return;
    if (label.length > fits) label = label.slice(0, fits - 1) + "\u2026";
    ctx.fillStyle = this.diff && !this.pattern && i !== 0 ? "#fff" : "#1d2330";
    ctx.fillText(label, px + 3, py + ROW / 2);
  };

  Flame.prototype.draw = function () {
    if (!this.data) this.layout();
    var cssWidth = this.canvas.clientWidth || this.container.clientWidth;
    var cssHeight = (this.maxDepth + 1) * ROW;
    var ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(cssWidth * ratio);
    this.canvas.height = Math.round(cssHeight * ratio);
    this.canvas.style.height = cssHeight + "px";
    var ctx = this.canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, cssWidth, cssHeight);
    ctx.font = "12px ui-monospace, 'DejaVu Sans Mono', monospace";
    ctx.textBaseline = "middle";
    this.charWidth = ctx.measureText("M").width || 7;
    var rects = [], d = this.data, focus = this.focus, matched = 0;
    // The focus's ancestors span the whole width, as the zoomed-in node does.
    for (var a = this.parent[focus]; a >= 0; a = this.parent[a]) {
      this.drawRect(ctx, a, 0, d.depth[a] * ROW, cssWidth);
      rects.push([a, 0, cssWidth]);
    }
    var scale = this.width[focus] ? cssWidth / this.width[focus] : 0, x0 = this.x[focus];
    for (var i = focus; i < this.end[focus];) {
      var pw = this.width[i] * scale;
      if (pw < MIN_WIDTH) { i = this.end[i]; continue; }
      var px = (this.x[i] - x0) * scale;
      this.drawRect(ctx, i, px, d.depth[i] * ROW, pw);
      rects.push([i, px, pw]);
      if (this.matches(i)) matched++;
      i++;
    }
    this.rects = rects;
    var drawnFrames = rects.length - (rects.some(function (r) { return r[0] === 0; }) ? 1 : 0);
    this.canvas.dataset.drawn = String(drawnFrames);
    // When the page first became usable, in ms since navigation started (the browser test's speed check).
    if (!this.canvas.dataset.readyAt) this.canvas.dataset.readyAt = String(Math.round(performance.now()));
    this.canvas.dataset.matched = String(matched);
    this.status.textContent = (d.nodes - 1) + " frames" +
      (focus ? ", zoomed on " + location(d.frame[focus]) : "") +
      (this.pattern ? ", " + matched + " shown match" : "");
  };

  Flame.prototype.nodeAt = function (event) {
    var box = this.canvas.getBoundingClientRect();
    var x = event.clientX - box.left, y = event.clientY - box.top, depth = Math.floor(y / ROW);
    for (var k = 0; k < this.rects.length; k++) {
      var r = this.rects[k];
      if (this.data.depth[r[0]] === depth && x >= r[1] && x < r[1] + r[2]) return r[0];
    }
    return -1;
  };

  Flame.prototype.describe = function (i) {
    var d = this.data, lines = [];
    if (i === 0) {
      lines.push("all traces");
    } else {
      var f = d.frame[i];
      lines.push(location(f));
      if (frameFunction(f)) lines.push("in " + frameFunction(f));
      if (frameSource(f)) lines.push("    " + frameSource(f));
    }
    lines.push("size " + bytes(d.size[i]) + ", count " + plain(d.count[i]));
    if (this.diff) {
      lines.push("size diff " + signed(d.grow[i] - d.shrink[i], bytes) + " (growth " + bytes(d.grow[i]) +
                 ", shrinkage " + bytes(d.shrink[i]) + "), count diff " + signed(d.count_diff[i], plain));
    }
    return lines.join("\n");
  };

  Flame.prototype.hover = function (event) {
    var i = this.nodeAt(event);
    if (i < 0) { this.tip.hidden = true; return; }
    this.tip.textContent = this.describe(i);
    this.tip.hidden = false;
    var box = this.canvas.getBoundingClientRect();
    var left = event.clientX - box.left + 14, top = event.clientY - box.top + 16;
    var room = box.width - this.tip.offsetWidth - 4;
    this.tip.style.left = Math.max(0, Math.min(left, room)) + "px";
    this.tip.style.top = top + "px";
  };

  Flame.prototype.setPattern = function (text) {
    if (!text) {
      this.pattern = null;
    } else {
      try {
        this.pattern = new RegExp(text, "i");
      } catch (e) {  // not a regular expression: match it literally
        this.pattern = new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "i");
      }
    }
    this.draw();
  };

  Flame.prototype.attach = function () {
    var self = this;
    this.canvas.addEventListener("mousemove", function (e) { self.hover(e); });
    this.canvas.addEventListener("mouseleave", function () { self.tip.hidden = true; });
    this.canvas.addEventListener("click", function (e) {
      var i = self.nodeAt(e);
      if (i >= 0) { self.focus = i; self.draw(); self.hover(e); }
    });
    this.container.querySelector(".flame-reset").addEventListener("click", function () {
      self.focus = 0;
      self.draw();
    });
    this.search.addEventListener("input", function () { self.setPattern(self.search.value); });
  };

  var flames = [];
  document.querySelectorAll(".flame").forEach(function (container) {
    var flame = new Flame(container);
    flame.attach();
    flames.push(flame);
  });

  // Large per-test pages: a flame graph is parsed and drawn only once it scrolls into view.
  if ("IntersectionObserver" in window) {
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        observer.unobserve(entry.target);
        entry.target.flame.draw();
      });
    }, { rootMargin: "200px" });
    flames.forEach(function (f) { f.container.flame = f; observer.observe(f.container); });
  } else {
    flames.forEach(function (f) { f.draw(); });
  }
  var pending = false;
  window.addEventListener("resize", function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () {
      pending = false;
      flames.forEach(function (f) { if (f.data) f.draw(); });
    });
  });

  // Sortable tables: numbers by their exact value (data-v), text by its characters.
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.querySelectorAll("th");
    heads.forEach(function (th, column) {
      th.addEventListener("click", function () {
        var numeric = th.dataset.type === "num";
        var descending = th.classList.contains("desc") ? false :
                         th.classList.contains("asc") ? true : numeric;
        heads.forEach(function (h) { h.classList.remove("asc", "desc"); });
        th.classList.add(descending ? "desc" : "asc");
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var va = a.cells[column].dataset.v, vb = b.cells[column].dataset.v;
          var c = numeric ? parseFloat(va) - parseFloat(vb) : (va < vb ? -1 : va > vb ? 1 : 0);
          return descending ? -c : c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });

  // Statistics tabs: lineno, filename, traceback.
  document.querySelectorAll(".tabs").forEach(function (tabs) {
    var section = tabs.parentElement;
    tabs.querySelectorAll("button").forEach(function (button) {
      button.addEventListener("click", function () {
        tabs.querySelectorAll("button").forEach(function (b) { b.classList.toggle("active", b === button); });
        section.querySelectorAll(".stats").forEach(function (s) { s.hidden = s.dataset.key !== button.dataset.key; });
      });
    });
  });
})();
