//! `window.freepgtApp.state()` (what tests and developers read), render timings, and the
//! panic banner that replaces a dead page.

use crate::state::State;
use serde::Serialize;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

thread_local! {
    static LATEST: RefCell<Option<Rc<State>>> = const { RefCell::new(None) };
    static REDUCE_START: Cell<f64> = const { Cell::new(-1.0) };
    static TIMES: Cell<(f64, f64)> = const { Cell::new((-1.0, -1.0)) };
    static RENDERS: Cell<u64> = const { Cell::new(0) };
}

/// Milliseconds since the page started.
pub fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Called by the reducer: the render that follows is timed from here.
pub fn reduce_started() {
    REDUCE_START.with(|c| c.set(now()));
}

/// After every render: the state the hook shows, and the time since the action.
pub fn rendered(s: &State) {
    let t = now();
    TIMES.with(|c| {
        let (first, _) = c.get();
        let first = if first < 0.0 { t } else { first };
        let last = REDUCE_START.with(|r| r.get());
        c.set((first, if last >= 0.0 { t - last } else { -1.0 }));
    });
    RENDERS.with(|r| r.set(r.get() + 1));
    LATEST.with(|l| *l.borrow_mut() = Some(Rc::new(s.clone())));
}

/// What `window.freepgtApp.state()` returns.
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
    /// A first visit's intro is shown.
    intro: bool,
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
    /// The step shown, as a link writes it (`command.event`), if any.
    step: Option<String>,
    /// Renders of the app so far: a test waits for it to move after an action that changes
    /// no revision (a step).
    renders: u64,
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
    let c = crate::model::counts(sim.mm.as_deref());
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
        .as_deref()
        .map(freepgt::report::orphans)
        .unwrap_or_default();
    let (first, last) = TIMES.with(|t| t.get());
    Snapshot {
        text: sim.text.clone(),
        source: s.source_text().to_string(),
        draft: s.draft.as_deref().map(str::to_string),
        hold_url: s.hold_url,
        intro: s.intro,
        report: sim.report.clone(),
        arch: sim.header.arch.map(|a| a.to_string()),
        kernel: sim.kernel().to_string(),
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
        notice: s.notice.as_ref().map(|n| n.to_string()),
        text_error: s.text_error.as_ref().map(|e| e.to_string()),
        undo: s.undo.len(),
        redo: s.redo.len(),
        revision: s.revision,
        step: s.step.map(|st| st.to_string()),
        renders: RENDERS.with(|r| r.get()),
        first_render_ms: first,
        last_render_ms: last,
    }
}

/// Installs the panic banner and `window.freepgtApp`.
pub fn install() {
    install_panic_banner();
    let Some(window) = web_sys::window() else {
        return;
    };
    let hook = js_sys::Object::new();
    // The snapshot is only built when a test or a developer asks for it.
    let state = Closure::<dyn Fn() -> JsValue>::new(|| {
        LATEST.with(|l| match &*l.borrow() {
            Some(s) => serde_wasm_bindgen::to_value(&snapshot(s)).unwrap_or(JsValue::NULL),
            None => JsValue::NULL,
        })
    });
    let _ = js_sys::Reflect::set(&hook, &"state".into(), state.as_ref());
    state.forget();
    // Cheap to call between a click and its frame (state() serializes the whole report).
    let timing = Closure::<dyn Fn() -> JsValue>::new(|| {
        let (first, last) = TIMES.with(|t| t.get());
        let out = js_sys::Object::new();
        let set = |k: &str, v: f64| js_sys::Reflect::set(&out, &k.into(), &v.into());
        let _ = set("renders", RENDERS.with(|r| r.get()) as f64);
        let _ = set("firstRenderMs", first);
        let _ = set("lastRenderMs", last);
        out.into()
    });
    let _ = js_sys::Reflect::set(&hook, &"timing".into(), timing.as_ref());
    timing.forget();
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
