//! The root component: opens the state, runs the hooks, and lays out the page (the full
//! playground, or an embed's picture, steps and report).

use super::hooks::{use_autosave, use_opened_state, use_undo_keys, use_url_sync};
use super::{
    axis, compare, edit, export, header, help, last_op, report, scenario_text, send, share,
};
use super::{steps, test_hook, tree};
use crate::model::{cursor, table_at, Around};
use crate::state::{Action, Frame, SimRef};
use yew::prelude::*;

/// The tabs under the workbench: (id, label).
const TABS: [(&str, &str); 3] = [
    ("last", "Last operation"),
    ("compare", "2.6.11 vs 2.6.12"),
    ("report", "Report"),
];

#[function_component(App)]
pub fn app() -> Html {
    let state = use_opened_state();
    let d = state.dispatcher();
    let s = &state.0;
    use_url_sync(s, d.clone());
    use_autosave(s.sim.clone(), s.source.clone(), s.embed);
    use_undo_keys(d.clone());
    // In an embed: size the host's frame to the content, follow the host's theme.
    super::embed_frame::use_embed_frame(s.embed);
    {
        let s = s.clone();
        use_effect(move || test_hook::rendered(&s));
    }

    // The picture follows the step: an earlier op is drawn on the mm right after it (the
    // scenario replayed up to it), and an event of an op as of that event (the tables freed
    // so far freed, those walked and kept kept, from the mm before the op and its trace).
    let at = cursor(&s.sim, s.step);
    let frame = use_memo(
        (s.sim.clone(), at.map(|c| (c.op, c.event.is_some()))),
        |(sim, at)| at.map(|(op, event)| Frame::new(sim, op, event)),
    );
    let view: SimRef = frame
        .as_ref()
        .as_ref()
        .map_or(s.sim.clone(), |f| f.after.clone());
    let before = frame.as_ref().as_ref().and_then(|f| f.before.clone());
    let upto = at.and_then(|c| c.event);
    // The tables around the op, once per op; each event then applies only its trace.
    let around = use_memo((view.clone(), before), |(after, before)| {
        match (before.as_deref(), after.mm.as_deref()) {
            (Some(b), Some(a)) => Some(Around::new(b, a)),
            _ => None,
        }
    });
    let tree = use_memo(
        (view.clone(), around.clone(), upto),
        |(after, around, upto)| match (around.as_ref().as_ref(), upto, after.outcomes.last()) {
            (Some(around), Some(i), Some(o)) => around.at(&o.events, *i),
            _ => crate::model::tree(after),
        },
    );
    let step_table = at.and_then(|c| table_at(&s.sim, c));

    let picture = html! {
        <axis::AxisView sim={view.clone()} tree={tree.clone()} at={at} mode={s.mode}
            zoom={s.zoom} selection={s.selection} dispatch={d.clone()} />
    };
    let steps = html! { <steps::Steps sim={s.sim.clone()} step={s.step} dispatch={d.clone()} /> };
    let report = html! { <report::Report sim={s.sim.clone()} /> };
    let notice = s.notice.as_ref().map(|n| n.to_string());
    // The tab shown below the workbench; compare mode (also from a link) shows its tab.
    let tab = use_state(|| if s.compare { "compare" } else { "last" });
    {
        let tab = tab.clone();
        use_effect_with(s.compare, move |on| {
            if *on {
                tab.set("compare");
            }
        });
    }
    if s.embed {
        return html! {
            <div class="embed">
                <share::EmbedBar sim={s.sim.clone()} source={s.source.clone()} step={s.step} compare={s.compare} />
                if let Some(n) = notice {
                    <div class="notice" role="alert" id="notice"><span>{ "⚠ " }{ n }</span></div>
                }
                <main class="layout embed-layout">
                    <section class="panel wide" aria-labelledby="axis-h">
                        <h2 id="axis-h">{ "Address space" }</h2>
                        { picture }
                    </section>
                    { steps }
                    if s.compare {
                        <compare::Compare sim={s.sim.clone()} on={true} dispatch={d.clone()} />
                    }
                    { report }
                </main>
            </div>
        };
    }
    html! {
        <>
            <header::Header sim={s.sim.clone()} view={view.clone()} can_undo={!s.undo.is_empty()}
                can_redo={!s.redo.is_empty()} dispatch={d.clone()} />
            <div class="sharebar">
                <share::SharePanel sim={s.sim.clone()} source={s.source.clone()} step={s.step} compare={s.compare} />
                <help::HelpPanel />
            </div>
            if let Some(n) = notice {
                <div class="notice" role="alert" id="notice">
                    <span>{ "⚠ " }{ n }</span>
                    <button type="button" onclick={send(&d, Action::DismissNotice)}>{ "Dismiss" }</button>
                </div>
            }
            // The workbench: the picture with its step explanation and the tree first (on a
            // phone too), the editor and the edit forms beside it, the rest as tabs below.
            <main class="workbench">
                <div class="wb-picture">
                    <section class="panel" id="picture" aria-labelledby="axis-h">
                        <h2 id="axis-h">{ "Address space" }</h2>
                        if s.intro {
                            <p class="intro" id="intro">{ "The picture: this process's vmas on top, its page tables by level below, as of the step shown. Step with next ▶ (or →) to walk munmap's free_pgd_range." }</p>
                        }
                        { picture }
                        <export::Export sim={s.sim.clone()} />
                    </section>
                    <div class="wb-walk">
                        { steps }
                        <tree::TreeView tree={tree} arch={s.sim.arch().map(|a| a.id)} inspected={s.inspected}
                            expanded={s.expanded.clone()} step_table={step_table} dispatch={d.clone()} />
                    </div>
                </div>
                <div class="wb-side">
                    <scenario_text::ScenarioText sim={s.sim.clone()} source={s.source.clone()} draft={s.draft.clone()}
                        error={s.text_error.clone()} dispatch={d.clone()} />
                    <edit::Edit sim={s.sim.clone()} selection={s.selection} dispatch={d.clone()} />
                </div>
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
                    <div role="tabpanel" id="tabpanel-last" aria-labelledby="tab-last" hidden={*tab != "last"}>
                        <last_op::LastOpPanel sim={s.sim.clone()} inspected={s.inspected} dispatch={d.clone()} />
                    </div>
                    <div role="tabpanel" id="tabpanel-compare" aria-labelledby="tab-compare" hidden={*tab != "compare"}>
                        <compare::Compare sim={s.sim.clone()} on={s.compare} dispatch={d.clone()} />
                    </div>
                    <div role="tabpanel" id="tabpanel-report" aria-labelledby="tab-report" hidden={*tab != "report"}>
                        { report }
                    </div>
                </div>
            </main>
        </>
    }
}
