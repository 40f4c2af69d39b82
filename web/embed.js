/*
 * freepgt playground embeds: turns scenario blocks of a documentation page into live views.
 *
 * Add once to a page (the playground is found next to this script, or at data-playground):
 *
 *   <script src="https://…/freepgt/embed.js" defer></script>
 *
 * then write scenarios in the scenario language. Recognised blocks (one per renderer shape):
 *
 *   <pre class="freepgt">…</pre>                       hand-written HTML, pandoc
 *   <pre><code class="language-freepgt">…</code></pre>  mdBook, Hugo, Jekyll/kramdown, GitHub-style
 *                                                      Markdown (```freepgt fences), also lang-freepgt
 *   <pre class="language-freepgt">…</pre>             Docusaurus / Prism
 *   <div class="language-freepgt …"><pre>…</pre></div> Jekyll with Rouge
 *   <pre lang="freepgt">…</pre>                        GitHub's rendering
 *   <div class="highlight-freepgt"><pre>…</pre></div>  Sphinx (.. code-block:: freepgt)
 *
 * Options are `name=value` words, written either as data attributes on the <pre> (HTML) or
 * after the fence's language where the renderer keeps them (mdBook does, as extra classes on
 * the <code>):
 *
 *   ```freepgt step=5 compare max-height=600      <pre class="freepgt" data-step="5"
 *   arch x86_64                                          data-compare data-max-height="600">
 *   …                                              …
 *   ```                                            </pre>
 *
 *   step=N[.M]      open at command N (0 = the arch line), event M of its trace
 *   compare         open the 2.6.11 vs 2.6.12 comparison (compare=1 works too)
 *   max-height=PX   the frame grows with its content up to PX, then scrolls inside
 *   theme=light|dark  force the embed's colours (default: the host's data-theme, else the
 *                   reader's system preference)
 *
 * Each block becomes an <iframe> of the playground's embed view. The frame fits its content:
 * the embed view posts its height (postMessage {freepgt: "height", height}) whenever it
 * changes; this script accepts such messages only from its own frames (origin of the
 * playground and the frame's own window) and sets the frame's height. Frames never take focus
 * or scroll the host page.
 */
(function () {
  "use strict";
  if (window.freepgtEmbed) return; // loaded twice: the first copy does the work
  var script = document.currentScript;
  // The playground: data-playground on the script tag (relative to the page), else the
  // folder this script was loaded from.
  var pinned = script && script.getAttribute("data-playground");
  var base = pinned
    ? new URL(pinned, document.baseURI).href
    : new URL("./", script && script.src ? script.src : document.baseURI).href;
  var origin = new URL(base).origin;
  var MIN_HEIGHT = 120;
  var INITIAL_HEIGHT = 420;
  var frames = []; // { iframe, max }

  /* --- finding the blocks --- */

  var SELECTORS = [
    "pre.freepgt",
    "pre > code.language-freepgt",
    "pre > code.lang-freepgt",
    "pre.language-freepgt",
    "div.language-freepgt pre",
    "pre[lang=freepgt]",
    "div.highlight-freepgt pre",
  ];

  /** The <pre> elements to embed, each once, in document order. */
  function blocks(root) {
    var found = [];
    var all = root.querySelectorAll(SELECTORS.join(","));
    for (var i = 0; i < all.length; i++) {
      var pre = all[i].tagName === "PRE" ? all[i] : all[i].closest("pre");
      if (pre && !pre.hasAttribute("data-freepgt-done") && found.indexOf(pre) < 0) found.push(pre);
    }
    return found;
  }

  /** The element the renderer wrapped the block in, replaced as a whole (Sphinx, Rouge). */
  function outer(pre) {
    var wrap = pre.closest("div.highlight-freepgt, div.language-freepgt");
    return wrap || pre;
  }

  /* --- options: data attributes, then info-string words kept as classes --- */

  function options(pre) {
    var o = {};
    var code = pre.querySelector("code");
    var holders = [outer(pre), pre, code].filter(Boolean);
    // Info-string words: mdBook turns ```freepgt step=5 compare into
    // class="language-freepgt step=5 compare" on the <code>.
    holders.forEach(function (el) {
      var cls = el.getAttribute("class") || "";
      cls.split(/\s+/).forEach(function (w) {
        var m = /^(step|max-height|theme|compare)(?:=(.*))?$/.exec(w);
        if (m) o[m[1]] = m[2] === undefined ? "" : m[2];
      });
    });
    holders.forEach(function (el) {
      ["step", "compare", "max-height", "theme"].forEach(function (k) {
        var v = el.getAttribute("data-" + k);
        if (v !== null) o[k] = v;
      });
    });
    var r = {};
    if (o.step !== undefined && /^\d+(\.\d+)?$/.test(o.step)) r.step = o.step;
    if (o.compare !== undefined && o.compare !== "0" && o.compare !== "false") r.compare = true;
    var mh = parseInt(o["max-height"], 10);
    if (mh >= MIN_HEIGHT) r.maxHeight = mh;
    if (o.theme === "light" || o.theme === "dark") r.theme = o.theme;
    return r;
  }

  /** The host page's light/dark choice, if it states one. */
  function hostTheme() {
    var attr = (script && script.getAttribute("data-theme")) ||
      document.documentElement.getAttribute("data-theme") ||
      (document.body && document.body.getAttribute("data-theme"));
    if (attr === "light" || attr === "dark") return attr;
    // mdBook marks its theme as a class on <html>.
    var cl = document.documentElement.classList;
    if (cl.contains("coal") || cl.contains("navy") || cl.contains("ayu")) return "dark";
    if (cl.contains("light") || cl.contains("rust")) return "light";
    return null;
  }

  /* --- building the frame --- */

  function scenarioText(pre) {
    var code = pre.querySelector("code");
    return (code || pre).textContent.replace(/^\s*\n/, "").replace(/\s+$/, "") + "\n";
  }

  function fragment(text, opt, embed) {
    var f = "v=1&s=" + encodeURIComponent(text);
    if (opt.step) f += "&step=" + opt.step;
    if (opt.compare) f += "&compare=1";
    if (embed) {
      f += "&embed=1";
      var theme = opt.theme || hostTheme();
      if (theme) f += "&theme=" + theme;
    }
    return f;
  }

  function title(text) {
    var lines = text.split("\n").filter(function (l) {
      return l.trim() && l.trim()[0] !== "#";
    });
    return "freepgt playground: " + ((lines[lines.length - 1] || "scenario").trim());
  }

  function embed(pre) {
    pre.setAttribute("data-freepgt-done", "");
    var text = scenarioText(pre);
    var opt = options(pre);
    var figure = document.createElement("figure");
    figure.className = "freepgt-embed";
    figure.style.margin = "1em 0";
    figure.style.maxWidth = "100%";
    var iframe = document.createElement("iframe");
    iframe.src = base + "#" + fragment(text, opt, true);
    iframe.title = title(text);
    iframe.loading = "lazy";
    iframe.style.display = "block";
    iframe.style.width = "100%";
    iframe.style.boxSizing = "border-box";
    iframe.style.height = Math.min(INITIAL_HEIGHT, opt.maxHeight || INITIAL_HEIGHT) + "px";
    iframe.style.border = "1px solid rgba(128, 128, 128, 0.55)";
    iframe.style.borderRadius = "6px";
    // The frame may run scripts and open the playground in a new tab; it cannot navigate or
    // focus the host page.
    iframe.setAttribute("sandbox", "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox");
    var caption = document.createElement("figcaption");
    caption.style.fontSize = "0.85em";
    var open = document.createElement("a");
    open.href = base + "#" + fragment(text, opt, false);
    open.target = "_blank";
    open.rel = "noopener";
    open.textContent = "Open in the freepgt playground";
    caption.appendChild(open);
    figure.appendChild(iframe);
    figure.appendChild(caption);
    outer(pre).replaceWith(figure);
    frames.push({ iframe: iframe, max: opt.maxHeight || 0, theme: opt.theme || null });
  }

  /* --- fitting frames to their content --- */

  window.addEventListener("message", function (e) {
    if (e.origin !== origin || !e.data || e.data.freepgt !== "height") return;
    var h = Number(e.data.height);
    if (!isFinite(h) || h <= 0) return;
    for (var i = 0; i < frames.length; i++) {
      var f = frames[i];
      if (f.iframe.contentWindow !== e.source) continue;
      // The frame's border is outside its content box (box-sizing: border-box above).
      var border = f.iframe.offsetHeight - f.iframe.clientHeight;
      var want = Math.max(MIN_HEIGHT, Math.ceil(h));
      if (f.max && want > f.max) want = f.max;
      f.iframe.style.height = want + border + "px";
      return;
    }
  });

  /** Tells every frame the host's theme when the host changes it (mdBook's theme menu). */
  function followTheme() {
    var last = hostTheme();
    new MutationObserver(function () {
      var t = hostTheme();
      if (t === last) return;
      last = t;
      frames.forEach(function (f) {
        if (f.theme || !f.iframe.contentWindow) return;
        f.iframe.contentWindow.postMessage({ freepgt: "theme", theme: t || "auto" }, origin);
      });
    }).observe(document.documentElement, { attributes: true, attributeFilter: ["class", "data-theme"] });
  }

  function run() {
    blocks(document).forEach(embed);
    followTheme();
  }

  window.freepgtEmbed = { scan: function () { blocks(document).forEach(embed); } };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
