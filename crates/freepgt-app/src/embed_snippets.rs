//! The ways to embed a scenario in documentation, as the Share panel offers them: the address
//! of this deployment's `embed.js`, a `<pre class="freepgt">` block and a ```` ```freepgt ````
//! Markdown fence (the iframe snippet is `web::share::embed_snippet`). embed.js reads the
//! same options from both: `data-step` / `data-compare` on the `<pre>`, `step=N` / `compare`
//! after the fence's language (the book's "Embedding scenarios" chapter).

use freepgt::share::StepRef;

/// Where this deployment serves `embed.js`: next to the playground's page.
pub fn embed_js_url(page_url: &str) -> String {
    let page = page_url.split(['#', '?']).next().unwrap_or("");
    let dir = match page.rfind('/') {
        Some(i) => &page[..=i],
        None => "",
    };
    format!("{dir}embed.js")
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn with_newline(text: &str) -> String {
    let mut t = text.trim_end().to_string();
    t.push('\n');
    t
}

/// A `<pre class="freepgt">` block with the script tag that turns it into an embed.
pub fn pre_snippet(embed_js: &str, text: &str, step: Option<StepRef>, compare: bool) -> String {
    let mut attrs = String::new();
    if let Some(step) = step {
        attrs.push_str(&format!(" data-step=\"{step}\""));
    }
    if compare {
        attrs.push_str(" data-compare");
    }
    format!(
        "<script src=\"{}\" defer></script>\n<pre class=\"freepgt\"{attrs}>\n{}</pre>\n",
        escape_html(embed_js),
        escape_html(&with_newline(text))
    )
}

/// A Markdown fence; the options follow the language, where the renderer keeps them.
pub fn fence_snippet(text: &str, step: Option<StepRef>, compare: bool) -> String {
    let mut info = String::from("freepgt");
    if let Some(step) = step {
        info.push_str(&format!(" step={step}"));
    }
    if compare {
        info.push_str(" compare");
    }
    format!("```{info}\n{}```\n", with_newline(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embed_js_sits_next_to_the_page() {
        assert_eq!(
            embed_js_url("https://example.org/sub/path/#v=1&s=x"),
            "https://example.org/sub/path/embed.js"
        );
        assert_eq!(
            embed_js_url("http://127.0.0.1:8080/index.html?x=1#v=1"),
            "http://127.0.0.1:8080/embed.js"
        );
    }

    #[test]
    fn pre_carries_the_options_as_data_attributes() {
        let step = Some(StepRef {
            command: 5,
            event: Some(2),
        });
        let s = pre_snippet(
            "https://e.org/embed.js",
            "arch x86_64\nvma 0x400000 0x401000\n",
            step,
            true,
        );
        assert_eq!(
            s,
            "<script src=\"https://e.org/embed.js\" defer></script>\n<pre class=\"freepgt\" data-step=\"5.2\" data-compare>\narch x86_64\nvma 0x400000 0x401000\n</pre>\n"
        );
    }

    #[test]
    fn fence_carries_the_options_after_the_language() {
        let step = Some(StepRef {
            command: 4,
            event: None,
        });
        assert_eq!(
            fence_snippet("arch sparc64", step, false),
            "```freepgt step=4\narch sparc64\n```\n"
        );
        assert_eq!(
            fence_snippet("arch sparc64\n", None, true),
            "```freepgt compare\narch sparc64\n```\n"
        );
    }

    #[test]
    fn text_cannot_close_the_pre() {
        let s = pre_snippet("e.js", "</pre><script>", None, false);
        assert!(s.contains("&lt;/pre&gt;&lt;script&gt;"));
    }
}
