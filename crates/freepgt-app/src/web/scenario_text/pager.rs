//! The page bar of a long text: previous / next and the lines the textarea holds.

use crate::model::editor::{PagerView, Turn};
use crate::model::pages::PAGE_LINES;
use yew::prelude::*;

/// The page bar's props.
#[derive(Properties, PartialEq)]
pub struct PagerProps {
    /// The page shown, of how many, from which line.
    pub view: PagerView,
    /// Turns the page.
    pub on_turn: Callback<Turn>,
}

#[function_component(Pager)]
pub fn pager(p: &PagerProps) -> Html {
    let PagerView { page, pages, first } = p.view;
    let turn = |to: Turn| p.on_turn.reform(move |_: MouseEvent| to);
    html! {
        <div class="pager" id="text-pager" role="group" aria-label="pages of the text">
            <button type="button" id="page-prev" disabled={page == 0} onclick={turn(Turn::Previous)}>{ "◀ previous" }</button>
            <span id="page-lines">{ format!("lines {}–{} (page {} of {pages})", first, first + PAGE_LINES - 1, page + 1) }</span>
            <button type="button" id="page-next" disabled={page + 1 >= pages} onclick={turn(Turn::Next)}>{ "next ▶" }</button>
            <small class="muted">{ " A long text is edited a page at a time; Ctrl+A selects all of it." }</small>
        </div>
    }
}
