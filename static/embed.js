/* Schwarzes Brett on a town's website, with one tag where the widget should appear:
     <script src="https://brett.example.de/static/embed.js" data-kind="offer"
             data-category="verschenken" data-limit="5" data-accent="0b6e4f"
             data-theme="dark" async></script>
   Inserts an iframe of the board's /embed page right after the tag and gives it the height of
   its content, as the widget reports it (embed-frame.js). Our own few lines, no library; each
   tag makes its own widget, so several on one page work independently. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var page = new URL("../embed", script.src); // the board's /embed, next to /static/
  var board = page.origin;
  ["kind", "category", "district", "q", "limit", "accent", "theme", "lang"].forEach(function (name) {
    var value = script.getAttribute("data-" + name);
    if (value) page.searchParams.set(name, value);
  });
  // The server lets the widget report its height only to an origin the town allows.
  page.searchParams.set("origin", window.location.origin);

  var frame = document.createElement("iframe");
  frame.src = page.href;
  frame.title = script.getAttribute("data-title") || "Schwarzes Brett";
  frame.setAttribute("loading", "lazy");
  frame.style.display = "block";
  frame.style.width = "100%";
  frame.style.height = (parseInt(script.getAttribute("data-height"), 10) || 480) + "px";
  frame.style.border = "0";
  script.parentNode.insertBefore(frame, script.nextSibling);

  window.addEventListener("message", function (event) {
    // Only our own widget, in this very iframe, may set its height.
    if (event.origin !== board || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || data.type !== "schwarzes-brett:height") return;
    var height = Number(data.height);
    if (!isFinite(height) || height < 40 || height > 20000) return;
    frame.style.height = Math.ceil(height) + "px";
  });
})();
