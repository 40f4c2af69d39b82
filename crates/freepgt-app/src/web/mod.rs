//! Everything that touches the browser. One component per job, each taking narrow props: the
//! scenario as a [`SimRef`] (equal only to itself) plus the UI fields it shows, so a panel
//! re-renders exactly when what it draws changed. Effects live in named hooks ([`hooks`]).
//!
//! | module | what |
//! | --- | --- |
//! | `app` | the root: the reducer, the hooks, the page layout (full or embed) |
//! | `hooks` | `use_undo_keys`, `use_autosave`, `use_url_sync`, `use_step_keys`, `use_drag` |
//! | `use_step_view` | what the picture and the tree draw at the step (replayed once per op) |
//! | `test_hook` | `window.freepgtApp.state()` for tests, render timings, the panic banner |
//! | `header` | title, arch / kernel / preset selectors, undo / redo, live counts |
//! | `axis/` | the address-space picture: tools, layers (segments, vmas, tables, flushes), step overlay |
//! | `steps/` | step-through: controls, timeline, the current event's detail, the commit's cases |
//! | `tree` | the page-table tree |
//! | `edit/` | forms (map, fault, range ops) and the vma table |
//! | `last_op`, `explain` | what the last operation freed, kept, flushed; why a table went |
//! | `scenario_text/` | the author's scenario text (comments kept, Apply, the error on its line): `use_editor`, the pager, the textarea, the error band, the canonical form |
//! | `tabs`, `report` | the tabs under the workbench (last operation, compare, report); the CLI report |
//! | `help`, `popup` | the Help panel (language, glossary, keys, links); Escape closes panels |
//! | `rove` | one Tab stop per list, arrow keys inside (roving tabindex) |
//! | `compare` | 2.6.11 vs 2.6.12 per step, with the totals chart |
//! | `share`, `export` | links, embeds and downloads |
//! | `embed_frame`, `embed_ways` | an embed sizing its host's frame and following its theme; the Share panel's ways to embed |

mod app;
mod axis;
mod compare;
mod edit;
mod embed_frame;
mod embed_ways;
mod explain;
mod export;
mod header;
mod help;
mod hooks;
mod last_op;
mod popup;
mod report;
mod rove;
mod scenario_text;
mod share;
mod steps;
mod tabs;
mod test_hook;
mod tree;
mod use_step_view;

use crate::state::{Action, SimRef, State};
use std::rc::Rc;
use yew::prelude::*;

/// The reducer, as yew wants it. All logic is in [`State::reduce`].
#[derive(Clone, Debug)]
pub struct AppState(pub State);

impl Reducible for AppState {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        test_hook::reduce_started();
        Rc::new(AppState(self.0.reduce(action)))
    }
}

/// The handle components use to dispatch actions (equal to itself across renders).
pub type Dispatch = UseReducerDispatcher<AppState>;

/// Props of a part that shows the scenario and nothing else.
#[derive(Properties, PartialEq)]
pub struct SimProps {
    /// The scenario.
    pub sim: SimRef,
}

/// A callback that dispatches `action` on any event.
pub fn send<E>(d: &Dispatch, action: Action) -> Callback<E> {
    let d = d.clone();
    Callback::from(move |_: E| d.dispatch(action.clone()))
}

/// Mounts the app into `#app`.
pub fn run() {
    test_hook::install();
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"))
        .expect("index.html has #app");
    yew::Renderer::<app::App>::with_root(root).render();
}
