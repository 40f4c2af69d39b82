//! Why a table was freed or kept: the trace events about it, with the `free_pgd_range` call
//! (and its trims) that decided it.

use super::{send, Dispatch};
use crate::state::{Action, SimRef};
use freepgt::TableKey;
use yew::prelude::*;

/// The explanation's props.
#[derive(Properties, PartialEq)]
pub struct ExplainProps {
    /// The scenario.
    pub sim: SimRef,
    /// The table explained.
    pub table: TableKey,
    /// Dispatches actions.
    pub dispatch: Dispatch,
}

#[function_component(Explain)]
pub fn explain(p: &ExplainProps) -> Html {
    let lines = crate::model::explain(&p.sim, p.table);
    html! {
        <div class="explain" id="explain" aria-live="polite">
            <h3>{ format!("Why: {}", p.table) }
                <button type="button" class="close" aria-label="close explanation" onclick={send(&p.dispatch, Action::Inspect(None))}>{ "×" }</button></h3>
            <pre>{ for lines.iter().map(|(depth, l)| format!("{}{l}\n", "  ".repeat(*depth))) }</pre>
        </div>
    }
}
