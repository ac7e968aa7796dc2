// The checks tests/browser.rs runs inside headless Chromium on a report page. The test
// inserts this script as the first element of the page's <head> (and lets it run by a
// nonce in the page's content security policy); after the load event it writes what it
// found as JSON into <pre id="vs-check">, which `--dump-dom` prints.
//
// It records:
// - errors: script errors, failed loads, content-security-policy violations and
//   console.error calls, from the start of the page;
// - fetched: every resource the page asked for (it must ask for none);
// - wide: elements that reach past the page's width (the page must not scroll sideways);
//   elements inside a horizontally scrollable box are judged by that box;
// - empty_charts: charts none of whose data marks has a drawn area;
// - overlaps: pairs of text labels of one chart whose boxes intersect;
// - contrast: text whose colour against its background is below 4.5:1 (3:1 in charts);
// - charts, tables, height: what was seen, for the test's own counts and the screenshot.
(function () {
  "use strict";
  var errors = [];
  var fail = function (what) { errors.push(String(what)); };
  window.addEventListener("error", function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href)) {
      fail("failed to load " + (t.src || t.href));
    } else {
      fail("script error: " + e.message);
    }
  }, true);
  document.addEventListener("securitypolicyviolation", function (e) {
    fail("blocked by the content security policy: " + e.violatedDirective + " " + e.blockedURI);
  });
  var consoleError = console.error;
  console.error = function () {
    fail("console.error: " + Array.prototype.join.call(arguments, " "));
    return consoleError.apply(console, arguments);
  };

  var describe = function (el) {
    var s = el.tagName.toLowerCase();
    if (el.id) { s += "#" + el.id; }
    var c = el.getAttribute("class");
    if (c) { s += "." + c.split(/\s+/).join("."); }
    var text = (el.textContent || "").trim().slice(0, 40);
    return text ? s + " \"" + text + "\"" : s;
  };

  var scrollsSideways = function (el) {
    var o = getComputedStyle(el).overflowX;
    return o === "auto" || o === "scroll" || o === "hidden";
  };

  var wideElements = function () {
    var width = document.documentElement.clientWidth;
    var out = [];
    if (document.documentElement.scrollWidth > width + 1) {
      out.push("the page scrolls sideways: " + document.documentElement.scrollWidth + " px wide in a " + width + " px window");
    }
    var all = document.body.querySelectorAll("*");
    for (var i = 0; i < all.length; i++) {
      var el = all[i];
      if (el.id === "vs-check" || el.closest("svg") && el.tagName.toLowerCase() !== "svg") { continue; }
      var inside = false;
      for (var p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (scrollsSideways(p)) { inside = true; break; }
      }
      if (inside) { continue; }
      var r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > width + 1) {
        out.push(describe(el) + " reaches " + Math.round(r.right) + " px in a " + width + " px page");
      }
    }
    return out;
  };

  var NOT_DATA = ["background", "grid", "axis", "tick", "legend", "heading", "axis-label"];
  var isData = function (el) {
    var c = (el.getAttribute("class") || "").split(/\s+/);
    for (var i = 0; i < c.length; i++) {
      if (NOT_DATA.indexOf(c[i]) >= 0) { return false; }
    }
    return true;
  };

  var emptyCharts = function (svgs) {
    var out = [];
    for (var i = 0; i < svgs.length; i++) {
      var marks = svgs[i].querySelectorAll("rect, circle, ellipse, polygon, polyline, path, line");
      var drawn = 0;
      for (var j = 0; j < marks.length; j++) {
        if (!isData(marks[j])) { continue; }
        var r = marks[j].getBoundingClientRect();
        var isLine = marks[j].tagName.toLowerCase() === "line" || marks[j].tagName.toLowerCase() === "polyline";
        if (isLine ? r.width + r.height > 0.5 : r.width * r.height > 0.25) { drawn++; }
      }
      if (drawn === 0) {
        out.push("chart " + (i + 1) + " (" + (svgs[i].querySelector("title") || {}).textContent + ") draws nothing");
      }
    }
    return out;
  };

  var overlaps = function (svgs) {
    var out = [];
    for (var i = 0; i < svgs.length; i++) {
      var texts = svgs[i].querySelectorAll("text");
      var boxes = [];
      for (var j = 0; j < texts.length; j++) {
        var r = texts[j].getBoundingClientRect();
        if (r.width > 0 && r.height > 0 && (texts[j].textContent || "").trim()) {
          boxes.push([texts[j], r]);
        }
      }
      for (var a = 0; a < boxes.length; a++) {
        for (var b = a + 1; b < boxes.length; b++) {
          var p = boxes[a][1], q = boxes[b][1];
          // A pixel of slack: glyph boxes include line spacing.
          var w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
          var h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
          if (w > 1 && h > 2) {
            out.push("chart " + (i + 1) + ": \"" + boxes[a][0].textContent + "\" overlaps \"" + boxes[b][0].textContent + "\"");
          }
        }
      }
    }
    return out;
  };

  var rgb = function (s) {
    var m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?/.exec(s || "");
    return m ? [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]] : null;
  };
  var luminance = function (c) {
    var f = function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  var ratio = function (a, b) {
    var x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  };
  var background = function (el) {
    for (var p = el; p; p = p.parentElement) {
      var c = rgb(getComputedStyle(p).backgroundColor);
      if (c && c[3] > 0.5) { return c; }
    }
    return [255, 255, 255, 1];
  };

  var lowContrast = function () {
    var out = [];
    var texts = document.body.querySelectorAll("p, li, td, th, caption, h1, h2, h3, footer");
    for (var i = 0; i < texts.length; i++) {
      var el = texts[i];
      var fg = rgb(getComputedStyle(el).color);
      if (fg && ratio(fg, background(el)) < 4.5) {
        out.push(describe(el) + ": contrast " + ratio(fg, background(el)).toFixed(2));
      }
    }
    var svgs = document.querySelectorAll("figure svg");
    for (var s = 0; s < svgs.length; s++) {
      var bg = svgs[s].querySelector(".background");
      var bgc = bg ? rgb(getComputedStyle(bg).fill) : null;
      if (!bgc) { continue; }
      var labels = svgs[s].querySelectorAll("text");
      for (var k = 0; k < labels.length; k++) {
        var c = rgb(getComputedStyle(labels[k]).fill);
        if (c && ratio(c, bgc) < 3) {
          out.push("chart " + (s + 1) + " " + describe(labels[k]) + ": contrast " + ratio(c, bgc).toFixed(2));
        }
      }
    }
    return out;
  };

  window.addEventListener("load", function () {
    var svgs = document.querySelectorAll("figure svg");
    var fetched = [];
    var entries = performance.getEntriesByType("resource");
    for (var i = 0; i < entries.length; i++) {
      if (!/^data:/.test(entries[i].name)) { fetched.push(entries[i].name); }
    }
    var result = {
      errors: errors,
      fetched: fetched,
      wide: wideElements(),
      empty_charts: emptyCharts(svgs),
      overlaps: overlaps(svgs),
      contrast: lowContrast(),
      charts: svgs.length,
      tables: document.querySelectorAll("table").length,
      dark: matchMedia("(prefers-color-scheme: dark)").matches,
      height: Math.ceil(document.documentElement.scrollHeight)
    };
    var pre = document.createElement("pre");
    pre.id = "vs-check";
    pre.textContent = JSON.stringify(result);
    document.body.appendChild(pre);
  });
})();
