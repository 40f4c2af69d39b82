//! The Share panel's "Embed in documentation" part: the address of this deployment's
//! `embed.js` and, beside the panel's iframe snippet (way 1), the other two ways to embed the
//! current scenario (a `<pre>` and a Markdown fence), each ready to copy. The snippets are built by [`crate::embed_snippets`].

use super::share::{base_url, LinkProps};
use crate::embed_snippets::{embed_js_url, fence_snippet, pre_snippet};
use crate::state::link;
use yew::prelude::*;

/// The three embed snippets and the embed.js address, as read-only text fields.
#[function_component(EmbedWays)]
pub fn embed_ways(p: &LinkProps) -> Html {
    let text = p.source.as_deref().unwrap_or(&p.sim.text);
    let shared = link(text, p.step, false, p.compare);
    let script = embed_js_url(&base_url());
    let pre = pre_snippet(&script, &shared.text, shared.step, shared.compare);
    let fence = fence_snippet(&shared.text, shared.step, shared.compare);
    let rows = |t: &str| (t.lines().count().clamp(2, 8)).to_string();
    let (pre_rows, fence_rows) = (rows(&pre), rows(&fence));
    html! {
        <details class="embed-ways" id="embed-ways">
            <summary>{ "2. and 3.: embed.js with a <pre> or a Markdown fence (frames fit their content)" }</summary>
            <label>{ "embed.js of this playground (load it once per page)" }
                <input id="embed-js-url" type="text" readonly=true value={script} />
            </label>
            <label>{ "2. <pre class=\"freepgt\"> in HTML" }
                <textarea id="embed-pre" readonly=true rows={pre_rows} value={pre} />
            </label>
            <label>{ "3. Markdown fence (mdBook, Hugo, Jekyll, Docusaurus, Sphinx)" }
                <textarea id="embed-fence" readonly=true rows={fence_rows} value={fence} />
            </label>
            <a href="book/embedding.html" target="_blank" rel="noopener">{ "How embedding works (the book)" }</a>
        </details>
    }
}
