//! The Help panel: what the picture shows, the scenario language with examples, a glossary of
//! the kernel's terms (as 2.6.12 uses them), the arches' table sizes, the keyboard keys, and
//! links to the project's book and to the commit this playground is about. Escape closes it.
//!
//! Its text is `web/help.html` ([`crate::help_page`]), fetched the first time Help opens rather
//! than compiled into the wasm every visit downloads.

use super::popup::use_escape_closes;
use crate::help_page::HELP_URL;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

/// The Help text: not asked for yet, or fetched (`None` if the fetch failed).
type Body = Option<Option<AttrValue>>;

/// `GET url` as text; `None` on any failure (offline, 404).
async fn fetch_text(url: &str) -> Option<String> {
    let resp = JsFuture::from(web_sys::window()?.fetch_with_str(url))
        .await
        .ok()?;
    let resp: web_sys::Response = resp.dyn_into().ok()?;
    if !resp.ok() {
        return None;
    }
    JsFuture::from(resp.text().ok()?).await.ok()?.as_string()
}

/// The Help button and its panel.
#[function_component(HelpPanel)]
pub fn help_panel() -> Html {
    let open = use_state(|| false);
    let body = use_state(|| Body::None);
    let button = use_node_ref();
    {
        // The first open fetches the text; later opens reuse it (or try again after a failure).
        let body = body.clone();
        use_effect_with(*open, move |open| {
            if *open && !matches!(*body, Some(Some(_))) {
                wasm_bindgen_futures::spawn_local(async move {
                    body.set(Some(fetch_text(HELP_URL).await.map(AttrValue::from)));
                });
            }
        });
    }
    use_escape_closes(open.clone(), button.clone());
    let toggle = {
        let open = open.clone();
        Callback::from(move |_| open.set(!*open))
    };
    let close = {
        let (open, button) = (open.clone(), button.clone());
        Callback::from(move |_| {
            open.set(false);
            if let Some(b) = button.cast::<web_sys::HtmlElement>() {
                let _ = b.focus();
            }
        })
    };
    html! {
        <div class="help">
            <button type="button" id="help" ref={button} aria-expanded={(*open).to_string()} aria-controls="help-panel" onclick={toggle}>{ "? Help" }</button>
            if *open {
                <div class="help-panel" id="help-panel" role="region" aria-label="help">
                    <div class="help-head">
                        <h2>{ "Help" }</h2>
                        <button type="button" class="close" id="help-close" aria-label="close help (Escape)" onclick={close}>{ "×" }</button>
                    </div>
                    { match &*body {
                        Some(Some(text)) => Html::from_html_unchecked(text.clone()),
                        Some(None) => html! {
                            <p>{ "Help could not be loaded (are you offline?). " }
                                <a href="book/index.html" id="help-book">{ "The freepgt playground book" }</a>
                                { " explains the picture, the scenario language and the commit." }</p>
                        },
                        None => html! { <p class="small">{ "Loading help…" }</p> },
                    } }
                </div>
            }
        </div>
    }
}
