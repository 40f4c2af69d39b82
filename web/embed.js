/*
 * freepgt playground embeds.
 *
 * Add once to a documentation page:
 *
 *   <script src="https://…/freepgt/embed.js" defer></script>
 *
 * and write scenarios in the scenario language:
 *
 *   <pre class="freepgt" data-step="6" data-height="420">
 *   arch x86_64
 *   vma 400000 401000
 *   touch 400000
 *   munmap 400000 401000
 *   </pre>
 *
 * Each such <pre> becomes an iframe showing the playground's embed view (picture, report,
 * step control, "Open in playground" link). The playground is found next to this script, or
 * at data-playground="URL" on the script tag. Optional attributes on the <pre>:
 *   data-step     the step to open at (index of the scenario's command, 0 = first)
 *   data-height   iframe height in pixels (default 420)
 *   data-compare  "1" to open the 2.6.11 vs 2.6.12 comparison
 * The scenario text goes into the link's readable form (#v=1&s=…), so the page needs no
 * build step; the playground also accepts the compact form.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = (script && script.getAttribute("data-playground")) ||
    (script ? new URL("./", script.src).href : "./");

  function fragment(text, pre) {
    var f = "v=1&s=" + encodeURIComponent(text.replace(/^\s*\n/, ""));
    var step = pre.getAttribute("data-step");
    if (step !== null && /^\d+$/.test(step)) f += "&step=" + step;
    if (pre.getAttribute("data-compare") === "1") f += "&compare=1";
    return f;
  }

  function embed(pre) {
    var text = pre.textContent;
    var frag = fragment(text, pre);
    var height = parseInt(pre.getAttribute("data-height"), 10);
    var figure = document.createElement("figure");
    figure.className = "freepgt-embed";
    figure.style.margin = "1em 0";
    var iframe = document.createElement("iframe");
    iframe.src = base + "#" + frag + "&embed=1";
    iframe.title = "freepgt playground: " + (text.split("\n").filter(function (l) {
      return l.trim() && l.trim()[0] !== "#";
    }).slice(-1)[0] || "scenario").trim();
    iframe.loading = "lazy";
    iframe.style.width = "100%";
    iframe.style.maxWidth = "100%";
    iframe.style.height = (height > 100 ? height : 420) + "px";
    iframe.style.border = "1px solid #8888";
    iframe.style.borderRadius = "6px";
    // No focus stealing and no scrolling of the host: the embed view never calls focus() or
    // scrollIntoView, and the iframe cannot navigate the host page.
    iframe.setAttribute("sandbox", "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox");
    var caption = document.createElement("figcaption");
    caption.style.fontSize = "0.85em";
    var open = document.createElement("a");
    open.href = base + "#" + frag;
    open.target = "_blank";
    open.rel = "noopener";
    open.textContent = "Open in the freepgt playground";
    caption.appendChild(open);
    figure.appendChild(iframe);
    figure.appendChild(caption);
    pre.replaceWith(figure);
  }

  function run() {
    var pres = document.querySelectorAll("pre.freepgt");
    for (var i = 0; i < pres.length; i++) embed(pres[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
