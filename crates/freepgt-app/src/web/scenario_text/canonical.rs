//! The canonical form (what the report echoes), rendered only while its details are open: a
//! 40,000-line `<pre>` would cost a layout on every scenario change for nothing.

use crate::web::SimProps;
use yew::prelude::*;

#[function_component(Canonical)]
pub fn canonical(p: &SimProps) -> Html {
    let open = use_state(|| false);
    let ontoggle = {
        let open = open.clone();
        Callback::from(move |e: Event| {
            let is_open = e
                .target_dyn_into::<web_sys::HtmlDetailsElement>()
                .is_some_and(|d| d.open());
            open.set(is_open);
        })
    };
    html! {
        <details id="canonical-details" {ontoggle}>
            <summary>{ "Canonical form (what the report echoes: one command per line, comments dropped)" }</summary>
            if *open { <pre id="canonical" class="report" tabindex="0">{ p.sim.text.clone() }</pre> }
        </details>
    }
}
