//! Everything that touches the browser: mounting, the reducer as yew's `Reducible`,
//! autosave, keyboard shortcuts, the panic banner and the `window.freepgtApp` hook.

mod axis;
mod compare;
mod editor;
mod export;
mod help;
mod panels;
mod popup;
mod rove;
mod share;
mod steps;
mod tree;

use crate::state::{Action, State};
use serde::Serialize;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

const STORAGE_KEY: &str = "freepgt-playground/scenario";

thread_local! {
    static LATEST: RefCell<Option<Rc<State>>> = const { RefCell::new(None) };
    static REDUCE_START: Cell<f64> = const { Cell::new(-1.0) };
    static TIMES: Cell<(f64, f64)> = const { Cell::new((-1.0, -1.0)) };
}

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// The table tree of a sim, built once per sim however many views draw it.
pub fn tree_of(sim: &Rc<crate::state::Sim>) -> Rc<crate::model::Tree> {
    thread_local! {
        static TREE: RefCell<Option<(*const crate::state::Sim, Rc<crate::model::Tree>)>> = const { RefCell::new(None) };
    }
    TREE.with(|t| {
        let mut t = t.borrow_mut();
        if let Some((ptr, tree)) = &*t {
            if *ptr == Rc::as_ptr(sim) {
                return tree.clone();
            }
        }
        let tree = Rc::new(crate::model::tree(sim));
        *t = Some((Rc::as_ptr(sim), tree.clone()));
        tree
    })
}

/// The reducer, as yew wants it. All logic is in [`State::reduce`].
#[derive(Clone, Debug)]
pub struct AppState(pub State);

impl Reducible for AppState {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        REDUCE_START.with(|c| c.set(now()));
        Rc::new(AppState(self.0.reduce(action)))
    }
}

/// The handle components use to dispatch actions.
pub type Dispatch = UseReducerDispatcher<AppState>;

/// What `window.freepgtApp.state()` returns (for tests and debugging).
#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct Snapshot {
    text: String,
    /// The author's text (comments kept): what the editor, the autosave and links carry.
    source: String,
    /// A refused link's text, shown in the editor.
    draft: Option<String>,
    /// The address bar is held as given (a link that could not be opened).
    hold_url: bool,
    report: String,
    arch: Option<String>,
    kernel: String,
    counts: Counts,
    vmas: usize,
    ops: usize,
    freed: Vec<String>,
    flushes: Vec<String>,
    bugs: Vec<String>,
    orphans: Vec<String>,
    notice: Option<String>,
    text_error: Option<String>,
    undo: usize,
    redo: usize,
    revision: u64,
    first_render_ms: f64,
    last_render_ms: f64,
}

#[derive(Serialize, Clone, Copy, Debug)]
struct Counts {
    pte: u64,
    pmd: u64,
    pud: u64,
}

fn snapshot(s: &State) -> Snapshot {
    let sim = &s.sim;
    let c = crate::model::counts(sim.mm.as_ref());
    let (freed, flushes, bugs) = match sim.last() {
        Some(l) => (
            freepgt::report::freed_tables(l.outcome)
                .iter()
                .map(|(lv, b)| format!("{lv} {b}"))
                .collect(),
            freepgt::report::flushes(l.outcome)
                .iter()
                .map(|f| format!("{} {}", f.start, f.end))
                .collect(),
            freepgt::report::bug_lines(l.outcome),
        ),
        None => Default::default(),
    };
    let orphans = sim
        .mm
        .as_ref()
        .map(freepgt::report::orphans)
        .unwrap_or_default();
    let (first, last) = TIMES.with(|t| t.get());
    Snapshot {
        text: sim.text.clone(),
        source: s.source_text().to_string(),
        draft: s.draft.as_deref().map(str::to_string),
        hold_url: s.hold_url,
        report: sim.report.clone(),
        arch: sim.header.arch.map(|a| a.to_string()),
        kernel: sim.header.kernel().to_string(),
        counts: Counts {
            pte: c.pte,
            pmd: c.pmd,
            pud: c.pud,
        },
        vmas: sim.mm.as_ref().map_or(0, |m| m.vmas().len()),
        ops: sim.ops.len(),
        freed,
        flushes,
        bugs,
        orphans,
        notice: s.notice.clone(),
        text_error: s.text_error.clone(),
        undo: s.undo.len(),
        redo: s.redo.len(),
        revision: s.revision,
        first_render_ms: first,
        last_render_ms: last,
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn install_hook() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hook = js_sys::Object::new();
    let state = Closure::<dyn Fn() -> JsValue>::new(|| {
        LATEST.with(|l| match &*l.borrow() {
            Some(s) => serde_wasm_bindgen::to_value(&snapshot(s)).unwrap_or(JsValue::NULL),
            None => JsValue::NULL,
        })
    });
    let _ = js_sys::Reflect::set(&hook, &"state".into(), state.as_ref());
    state.forget();
    let _ = js_sys::Reflect::set(&window, &"freepgtApp".into(), &hook);
}

fn install_panic_banner() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("panic"))
        {
            el.set_text_content(Some(&format!(
                "The playground crashed: {info}. Your scenario was autosaved; reload the page to continue."
            )));
            let _ = el.remove_attribute("hidden");
        }
    }));
}

#[function_component(App)]
fn app() -> Html {
    let pending = use_mut_ref(|| None::<crate::state::PendingLink>);
    let state = {
        let pending = pending.clone();
        use_reducer(move || {
            let saved = storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
            let (s, p) = State::open(share::current_fragment().as_deref(), saved.as_deref());
            share::note_opened(&s);
            *pending.borrow_mut() = p;
            AppState(s)
        })
    };
    let dispatch = state.dispatcher();
    // A compact link is inflated by the browser, then opened.
    {
        let dispatch = dispatch.clone();
        use_effect_with((), move |_| {
            if let Some(p) = pending.borrow_mut().take() {
                share::open_pending(p, dispatch);
            }
        });
    }

    // The address bar follows the state (after the render; the compact form follows once the
    // browser has compressed it); back/forward reopen.
    {
        let s = state.0.clone();
        use_effect_with((s.revision, s.step, s.compare), move |_| {
            share::sync_url(&s)
        });
    }
    {
        let dispatch = dispatch.clone();
        use_effect_with((), move |_| {
            let listener = share::on_popstate(dispatch);
            move || drop(listener)
        });
    }

    // Autosave, the test hook and timings, after every render that changed the scenario.
    {
        let s = state.0.clone();
        use_effect_with(s.revision, move |_| {
            // An embed never overwrites the reader's own autosaved scenario.
            if s.embed {
                return;
            }
            if let Some(st) = storage() {
                let _ = st.set_item(STORAGE_KEY, s.source_text());
            }
        });
    }
    {
        // Kept as is; the snapshot is only built when a test or a developer asks for it.
        let s = state.0.clone();
        use_effect(move || {
            let t = now();
            TIMES.with(|c| {
                let (first, _) = c.get();
                let first = if first < 0.0 { t } else { first };
                let last = REDUCE_START.with(|r| r.get());
                c.set((first, if last >= 0.0 { t - last } else { -1.0 }));
            });
            LATEST.with(|l| *l.borrow_mut() = Some(Rc::new(s)));
        });
    }
    // Ctrl+Z / Ctrl+Shift+Z (and Ctrl+Y), except while typing in a field.
    {
        let dispatch = dispatch.clone();
        use_effect_with((), move |_| {
            let window = web_sys::window().expect("window");
            let opts = gloo::events::EventListenerOptions::enable_prevent_default();
            let listener =
                gloo::events::EventListener::new_with_options(&window, "keydown", opts, move |e| {
                    let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
                        return;
                    };
                    if !(e.ctrl_key() || e.meta_key()) {
                        return;
                    }
                    let typing = e
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .is_some_and(|el| matches!(el.tag_name().as_str(), "TEXTAREA" | "INPUT"));
                    if typing {
                        return;
                    }
                    match (e.key().to_ascii_lowercase().as_str(), e.shift_key()) {
                        ("z", false) => {
                            e.prevent_default();
                            dispatch.dispatch(Action::Undo);
                        }
                        ("z", true) | ("y", false) => {
                            e.prevent_default();
                            dispatch.dispatch(Action::Redo);
                        }
                        _ => {}
                    }
                });
            move || drop(listener)
        });
    }

    // Stepping through an earlier operation: the axis and the tree show the mm right after
    // it (the scenario replayed up to it, memoised), so its freed tables and markers line up.
    let view_op = {
        let s = &state.0;
        s.step
            .and_then(|st| st.command.checked_sub(s.sim.header_lines()))
            .filter(|k| k + 1 < s.sim.ops.len())
    };
    let view_sim = {
        let sim = state.0.sim.clone();
        use_memo((state.0.revision, view_op), move |(_, k)| {
            k.and_then(|k| {
                crate::state::Sim::build(sim.header, sim.ops[..=k].to_vec())
                    .ok()
                    .map(Rc::new)
            })
        })
    };
    let s = &state.0;
    let view: Rc<State> = match &*view_sim {
        Some(sim) => Rc::new(State {
            sim: sim.clone(),
            ..s.clone()
        }),
        None => s.clone_rc(),
    };
    if s.embed {
        // Embed mode: the picture, the step-through (at the linked step), the comparison if
        // linked, and the report; no editing chrome.
        return html! {
            <div class="embed">
                <share::EmbedBar state={s.clone_rc()} dispatch={dispatch.clone()} />
                if let Some(n) = &s.notice {
                    <div class="notice" role="alert" id="notice"><span>{ "⚠ " }{ n }</span></div>
                }
                <main class="layout embed-layout">
                    <section class="panel wide" aria-labelledby="axis-h">
                        <h2 id="axis-h">{ "Address space" }</h2>
                        <axis::AxisView state={view.clone()} dispatch={dispatch.clone()} />
                    </section>
                    <steps::Steps state={s.clone_rc()} dispatch={dispatch.clone()} />
                    if s.compare {
                        <compare::Compare state={s.clone_rc()} dispatch={dispatch.clone()} />
                    }
                    <panels::Report state={s.clone_rc()} />
                </main>
            </div>
        };
    }
    html! {
        <>
            <panels::Header state={s.clone_rc()} view={view.clone()} dispatch={dispatch.clone()} />
            <div class="sharebar"><share::SharePanel state={s.clone_rc()} dispatch={dispatch.clone()} /><help::HelpPanel /></div>
            if let Some(n) = &s.notice {
                <div class="notice" role="alert" id="notice">
                    <span>{ "⚠ " }{ n }</span>
                    <button type="button" onclick={ let d = dispatch.clone(); move |_| d.dispatch(Action::DismissNotice) }>{ "Dismiss" }</button>
                </div>
            }
            <main class="layout">
                <section class="panel wide" aria-labelledby="axis-h">
                    <h2 id="axis-h">{ "Address space" }</h2>
                    <axis::AxisView state={view.clone()} dispatch={dispatch.clone()} />
                    <export::Export state={s.clone_rc()} dispatch={dispatch.clone()} />
                </section>
                <steps::Steps state={s.clone_rc()} dispatch={dispatch.clone()} />
                <compare::Compare state={s.clone_rc()} dispatch={dispatch.clone()} />
                <panels::Edit state={s.clone_rc()} dispatch={dispatch.clone()} />
                <panels::LastOp state={s.clone_rc()} dispatch={dispatch.clone()} />
                <tree::TreeView state={view.clone()} dispatch={dispatch.clone()} />
                <editor::ScenarioText state={s.clone_rc()} dispatch={dispatch.clone()} />
                <panels::Report state={s.clone_rc()} />
            </main>
        </>
    }
}

/// Props shared by the panels: the state (compared by pointer) and the dispatcher.
#[derive(Properties, Clone)]
pub struct Props {
    /// The state.
    pub state: Rc<State>,
    /// Dispatches actions.
    pub dispatch: Dispatch,
}

impl PartialEq for Props {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.state, &o.state)
    }
}

trait CloneRc {
    fn clone_rc(&self) -> Rc<State>;
}

impl CloneRc for State {
    fn clone_rc(&self) -> Rc<State> {
        thread_local! {
            static CACHE: RefCell<Option<(u64, *const crate::state::Sim, Rc<State>)>> = const { RefCell::new(None) };
        }
        // Hand out the same Rc while nothing changed, so panels skip re-rendering.
        CACHE.with(|c| {
            let mut c = c.borrow_mut();
            let key_sim = Rc::as_ptr(&self.sim);
            if let Some((rev, sim, rc)) = &*c {
                if *rev == self.revision && *sim == key_sim && same_ui(rc, self) {
                    return rc.clone();
                }
            }
            let rc = Rc::new(self.clone());
            *c = Some((self.revision, key_sim, rc.clone()));
            rc
        })
    }
}

fn same_ui(a: &State, b: &State) -> bool {
    a.notice == b.notice
        && a.text_error == b.text_error
        && a.mode == b.mode
        && a.zoom == b.zoom
        && a.selection == b.selection
        && a.inspected == b.inspected
        && a.expanded == b.expanded
        && a.step == b.step
        && a.compare == b.compare
        && a.embed == b.embed
        && a.hold_url == b.hold_url
        && a.draft.as_ref().map(Rc::as_ptr) == b.draft.as_ref().map(Rc::as_ptr)
        && a.undo.len() == b.undo.len()
        && a.redo.len() == b.redo.len()
}

/// Mounts the app into `#app`.
pub fn run() {
    install_panic_banner();
    install_hook();
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"))
        .expect("index.html has #app");
    yew::Renderer::<App>::with_root(root).render();
}
