//! The root component: opens the state, runs the hooks, and lays out the page (the full
//! playground, or an embed's picture, steps and report).

use super::hooks::{use_autosave, use_opened_state, use_undo_keys, use_url_sync};
use super::use_step_view::{use_step_view, StepView};
use super::{axis, compare, edit, export, header, help, report, scenario_text, send, share};
use super::{steps, tabs, test_hook, tree};
use crate::model::table_at;
use crate::state::Action;
use yew::prelude::*;

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

    let StepView { at, view, tree } = use_step_view(&s.sim, s.step);
    let step_table = at.and_then(|c| table_at(&s.sim, c));

    let picture = html! {
        <axis::AxisView sim={view.clone()} tree={tree.clone()} at={at} mode={s.mode}
            zoom={s.zoom} selection={s.selection} dispatch={d.clone()} />
    };
    let steps = html! { <steps::Steps sim={s.sim.clone()} step={s.step} dispatch={d.clone()} /> };
    let notice = s.notice.as_ref().map(|n| n.to_string());
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
                    <report::Report sim={s.sim.clone()} />
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
                <tabs::Tabs sim={s.sim.clone()} inspected={s.inspected} compare={s.compare} dispatch={d.clone()} />
            </main>
        </>
    }
}
