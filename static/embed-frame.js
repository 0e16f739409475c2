/* Schwarzes Brett widget, inside the iframe: tell the embedding page how tall the content is,
   so embed.js can size the iframe. The target origin is the one the server checked against the
   town's allowed origins (data-parent-origin); a message to "*" would tell any framing page. */
(function () {
  "use strict";
  var target = document.documentElement.getAttribute("data-parent-origin");
  if (!target || window.parent === window) return;
  var last = -1;
  function send() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: "schwarzes-brett:height", height: height }, target);
  }
  if (window.ResizeObserver) new ResizeObserver(send).observe(document.documentElement);
  window.addEventListener("load", send);
  window.addEventListener("resize", send);
  send();
})();
