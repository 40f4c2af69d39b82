//! The tabs under the workbench: what the last operation did, 2.6.11 vs 2.6.12, the report.
//! One tab stop for the strip, arrow keys between tabs ([`super::rove`]); every panel stays
//! mounted (hidden when not chosen), so switching tabs keeps each one's own state.

use super::{compare, last_op, report, Dispatch};
use crate::state::SimRef;
use freepgt::TableKey;
use yew::prelude::*;

/// The tabs: (id, label).
const TABS: [(&str, &str); 3] = [
    ("last", "Last operation"),
    ("compare", "2.6.11 vs 2.6.12"),
    ("report", "Report"),
];

/// The tabs' props.
#[derive(Properties, PartialEq)]
pub struct TabsProps {
    /// The scenario.
    pub sim: SimRef,
    /// The table inspected (the Last operation tab marks it).
    pub inspected: Option<TableKey>,
    /// Compare mode: its tab opens when it turns on (also from a link).
    pub compare: bool,
    /// Dispatches actions.
    pub dispatch: Dispatch,
}

#[function_component(Tabs)]
pub fn tabs(p: &TabsProps) -> Html {
    let tab = use_state(|| if p.compare { "compare" } else { "last" });
    {
        let tab = tab.clone();
        use_effect_with(p.compare, move |on| {
            if *on {
                tab.set("compare");
            }
        });
    }
    let panel = |id: &'static str, body: Html| {
        html! {
            <div role="tabpanel" id={format!("tabpanel-{id}")} aria-labelledby={format!("tab-{id}")} hidden={*tab != id}>
                { body }
            </div>
        }
    };
    let d = &p.dispatch;
    html! {
        <div class="wb-tabs">
            <div class="tabs" role="tablist" aria-label="more about this scenario" data-rove-grid=""
                data-rove-list="" onkeydown={super::rove::keydown()}>
                { for TABS.iter().map(|(id, label)| {
                    let on = *tab == *id;
                    let t = tab.clone();
                    html! { <button type="button" role="tab" data-rove="" id={format!("tab-{id}")} aria-selected={on.to_string()}
                        aria-controls={format!("tabpanel-{id}")} tabindex={if on { "0" } else { "-1" }}
                        onclick={move |_| t.set(id)}>{ *label }</button> }
                }) }
            </div>
            { panel("last", html! { <last_op::LastOpPanel sim={p.sim.clone()} inspected={p.inspected} dispatch={d.clone()} /> }) }
            { panel("compare", html! { <compare::Compare sim={p.sim.clone()} on={p.compare} dispatch={d.clone()} /> }) }
            { panel("report", html! { <report::Report sim={p.sim.clone()} /> }) }
        </div>
    }
}
