// Loads the playground's embed.js into every page of the book. The book is served from
// dist/book/ and the playground from dist/, so embed.js is at `<book root>/../embed.js`;
// mdBook defines `path_to_root` (the relative path from this page to the book's root).
// embed.js then finds the playground next to itself and turns each ```freepgt fence
// (<pre><code class="language-freepgt">) into a live embed.
(function () {
  "use strict";
  var root = typeof path_to_root === "string" ? path_to_root : "";
  var s = document.createElement("script");
  s.src = root + "../embed.js";
  document.head.appendChild(s);
})();
