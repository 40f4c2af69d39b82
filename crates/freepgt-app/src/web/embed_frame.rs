//! The embed view as a guest in someone else's page (`&embed=1` inside an iframe):
//!
//! * it tells the host page how tall its content is, so that `embed.js` can size the frame
//!   to fit: `postMessage({freepgt: "height", height})` to the parent window, once at mount
//!   and again whenever the content changes size (a `ResizeObserver` on `#app`);
//! * it follows the host's light/dark choice: `&theme=light|dark` in the fragment, and later
//!   `{freepgt: "theme", theme}` messages from the parent window (`auto` goes back to the
//!   reader's system preference). The choice is the `data-theme` attribute on `<html>`, which
//!   style.css reads.
//!
//! The height is not secret (the host sees the frame anyway), so it is posted to any origin;
//! embed.js checks that it comes from its own frame. Theme messages are accepted only from
//! the parent window.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The browser's ResizeObserver (declared here rather than through a web-sys feature).
    type ResizeObserver;
    #[wasm_bindgen(constructor)]
    fn new(callback: &js_sys::Function) -> ResizeObserver;
    #[wasm_bindgen(method)]
    fn observe(this: &ResizeObserver, target: &web_sys::Element);
    #[wasm_bindgen(method)]
    fn disconnect(this: &ResizeObserver);
}

/// `light`, `dark`, or `None` for the reader's preference.
fn theme_of(value: &str) -> Option<&'static str> {
    match value {
        "light" => Some("light"),
        "dark" => Some("dark"),
        _ => None,
    }
}

/// The `theme=` parameter of the page's fragment.
fn fragment_theme() -> Option<&'static str> {
    let hash = web_sys::window()?.location().hash().ok()?;
    hash.trim_start_matches('#')
        .split('&')
        .find_map(|p| p.strip_prefix("theme="))
        .and_then(theme_of)
}

fn set_theme(theme: Option<&str>) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let _ = match theme {
        Some(t) => root.set_attribute("data-theme", t),
        None => root.remove_attribute("data-theme"),
    };
}

/// The parent window, if this page is framed.
fn parent() -> Option<web_sys::Window> {
    let window = web_sys::window()?;
    let parent = window.parent().ok()??;
    (!js_sys::Object::is(&parent, &window)).then_some(parent)
}

/// Posts the content height of `el` to the parent window.
fn post_height(parent: &web_sys::Window, el: &web_sys::Element) {
    // The content's own height, not the frame's: scrollHeight of <html> would never shrink
    // below the frame's current height.
    let height = el.get_bounding_client_rect().height().ceil();
    let msg = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&msg, &"freepgt".into(), &"height".into());
    let _ = js_sys::Reflect::set(&msg, &"height".into(), &height.into());
    let _ = parent.post_message(&msg, "*");
}

/// Sizes the host's frame to the content and follows the host's theme; does nothing unless
/// `embed` (the playground proper keeps the reader's system theme and has no host).
#[hook]
pub fn use_embed_frame(embed: bool) {
    // Read `&theme=` while rendering the first time: the URL sync (an effect) rewrites the
    // fragment in canonical form, without view options it does not know.
    let initial_theme = *use_memo((), |_| fragment_theme());
    use_effect_with(embed, move |&embed| {
        type Guest = (
            ResizeObserver,
            Closure<dyn Fn()>,
            gloo::events::EventListener,
        );
        let mut cleanup: Option<Guest> = None;
        if embed {
            set_theme(initial_theme);
            if let (Some(parent), Some(window)) = (parent(), web_sys::window()) {
                let app = window.document().and_then(|d| d.get_element_by_id("app"));
                if let Some(app) = app {
                    post_height(&parent, &app);
                    let (p, el) = (parent.clone(), app.clone());
                    let on_resize = Closure::<dyn Fn()>::new(move || post_height(&p, &el));
                    let observer = ResizeObserver::new(on_resize.as_ref().unchecked_ref());
                    observer.observe(&app);
                    let from = parent.clone();
                    let listener = gloo::events::EventListener::new(&window, "message", move |e| {
                        let source = js_sys::Reflect::get(e, &"source".into()).ok();
                        if !source.is_some_and(|s| js_sys::Object::is(&s, &from)) {
                            return;
                        }
                        let data = js_sys::Reflect::get(e, &"data".into()).unwrap_or_default();
                        let kind = js_sys::Reflect::get(&data, &"freepgt".into()).ok();
                        if kind.and_then(|k| k.as_string()).as_deref() != Some("theme") {
                            return;
                        }
                        let theme = js_sys::Reflect::get(&data, &"theme".into())
                            .ok()
                            .and_then(|t| t.as_string())
                            .unwrap_or_default();
                        set_theme(theme_of(&theme));
                    });
                    cleanup = Some((observer, on_resize, listener));
                }
            }
        }
        move || {
            if let Some((observer, on_resize, listener)) = cleanup {
                observer.disconnect();
                drop((on_resize, listener));
            }
        }
    });
}
