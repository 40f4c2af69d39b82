//! The textarea itself: uncontrolled (yew never sets or diffs its text; the editor's hook
//! does, a page at a time), so a re-render costs nothing however long the text.

use yew::prelude::*;

/// The textarea's props: its node (the hook reads and sets the text through it) and its
/// events.
#[derive(Properties, PartialEq)]
pub struct AreaProps {
    /// The textarea's node.
    pub area: NodeRef,
    /// The text has an error (`aria-invalid`).
    pub invalid: bool,
    /// The reader typed.
    pub oninput: Callback<InputEvent>,
    /// The textarea scrolled.
    pub onscroll: Callback<Event>,
    /// A paste (a big one is taken from the event).
    pub onpaste: Callback<Event>,
    /// A key went down (Ctrl+A).
    pub onkeydown: Callback<KeyboardEvent>,
    /// A click placed the cursor.
    pub onmousedown: Callback<MouseEvent>,
}

#[function_component(TextArea)]
pub fn text_area(p: &AreaProps) -> Html {
    html! {
        <textarea id="scenario-text" ref={p.area.clone()} spellcheck="false" autocomplete="off" wrap="off" rows="14"
            aria-describedby="text-error" aria-invalid={p.invalid.to_string()}
            oninput={p.oninput.clone()} onscroll={p.onscroll.clone()} onpaste={p.onpaste.clone()}
            onkeydown={p.onkeydown.clone()} onmousedown={p.onmousedown.clone()} />
    }
}
