//! Panels opened by a button (Share, Help): Escape closes them from anywhere on the page and
//! gives focus back to the button that opened them.

use wasm_bindgen::JsCast;
use yew::prelude::*;

/// While `open` is true, Escape sets it to false and focuses `button`.
#[hook]
pub fn use_escape_closes(open: UseStateHandle<bool>, button: NodeRef) {
    let is_open = *open;
    use_effect_with(is_open, move |is_open| {
        let listener = is_open.then(|| {
            let window = web_sys::window().expect("window");
            gloo::events::EventListener::new(&window, "keydown", move |e| {
                let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
                    return;
                };
                if e.key() == "Escape" {
                    open.set(false);
                    if let Some(b) = button.cast::<web_sys::HtmlElement>() {
                        let _ = b.focus();
                    }
                }
            })
        });
        move || drop(listener)
    });
}
