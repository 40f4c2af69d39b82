//! The app's effects, each a named hook: opening the page's state, undo keys, autosave, the
//! address bar, step keys and dragging on the axis.

use super::{share, AppState, Dispatch};
use crate::model::{nav, Cursor, Nav};
use crate::state::{Action, PendingLink, SimRef, State};
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;
use yew::prelude::*;

const STORAGE_KEY: &str = "freepgt-playground/scenario";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Focus is in a field that takes typing (keys belong to it, not to the page).
fn is_editing(e: &KeyboardEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            matches!(el.tag_name().as_str(), "TEXTAREA" | "INPUT" | "SELECT")
                || el.get_attribute("contenteditable").is_some()
        })
}

/// Focus is in a field, or in a scrollable text block whose ←/→ scroll it.
fn keeps_arrows(e: &KeyboardEvent) -> bool {
    is_editing(e)
        || e.target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| el.tag_name() == "PRE")
}

/// A window keydown listener for the component's lifetime (re-made when `deps` change).
#[hook]
fn use_keydown<D, F>(deps: D, make: impl FnOnce(&D) -> F + 'static)
where
    D: PartialEq + 'static,
    F: Fn(&KeyboardEvent) + 'static,
{
    use_effect_with(deps, move |deps| {
        let handler = make(deps);
        let listener = web_sys::window().map(|w| {
            let opts = gloo::events::EventListenerOptions::enable_prevent_default();
            gloo::events::EventListener::new_with_options(&w, "keydown", opts, move |e| {
                if let Some(e) = e.dyn_ref::<KeyboardEvent>() {
                    handler(e);
                }
            })
        });
        move || drop(listener)
    });
}

/// The state the page opens with: a link in the fragment, else the autosave. A compact
/// link's text is inflated by the browser, then opened.
#[hook]
pub fn use_opened_state() -> UseReducerHandle<AppState> {
    let pending = use_mut_ref(|| None::<PendingLink>);
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
    use_effect_with((), move |_| {
        if let Some(p) = pending.borrow_mut().take() {
            share::open_pending(p, dispatch);
        }
    });
    state
}

/// Ctrl+Z undoes, Ctrl+Shift+Z and Ctrl+Y redo, except while typing in a field.
#[hook]
pub fn use_undo_keys(dispatch: Dispatch) {
    use_keydown(dispatch, |d| {
        let d = d.clone();
        move |e: &KeyboardEvent| {
            if !(e.ctrl_key() || e.meta_key()) || is_editing(e) {
                return;
            }
            let action = match (e.key().to_ascii_lowercase().as_str(), e.shift_key()) {
                ("z", false) => Action::Undo,
                ("z", true) | ("y", false) => Action::Redo,
                _ => return,
            };
            e.prevent_default();
            d.dispatch(action);
        }
    });
}

/// Saves the author's scenario text (comments kept) after every change. An embed never
/// overwrites the reader's own autosaved scenario.
#[hook]
///
/// A big text is saved once the page has settled ([`SAVE_DELAY_MS`] without a change), or at
/// once when the page is hidden or left: writing hundreds of kilobytes to `localStorage`
/// would otherwise cost every edit of a big scenario tens of milliseconds before its frame.
pub fn use_autosave(sim: SimRef, source: Option<std::rc::Rc<str>>, embed: bool) {
    // The scenario not yet saved (its author's text, else its canonical one).
    let unsaved = use_mut_ref(|| None::<(SimRef, Option<std::rc::Rc<str>>)>);
    let flush = {
        let unsaved = unsaved.clone();
        move || {
            if let Some((sim, source)) = unsaved.borrow_mut().take() {
                save(source.as_deref().unwrap_or(&sim.text));
            }
        }
    };
    {
        let flush = flush.clone();
        use_effect_with((), move |_| {
            let listeners = web_sys::window().map(|w| {
                let on = |event: &'static str| {
                    let flush = flush.clone();
                    gloo::events::EventListener::new(&w, event, move |_| flush())
                };
                (on("pagehide"), on("visibilitychange"))
            });
            move || drop(listeners)
        });
    }
    use_effect_with((sim, source), move |(sim, source)| {
        let later = (!embed).then(|| {
            let text = source.as_deref().unwrap_or(&sim.text);
            if text.len() <= SAVE_LATER_ABOVE {
                unsaved.borrow_mut().take();
                save(text);
                return None;
            }
            *unsaved.borrow_mut() = Some((sim.clone(), source.clone()));
            Some(gloo::timers::callback::Timeout::new(SAVE_DELAY_MS, flush))
        });
        // A newer scenario replaces the waiting one (and its timer).
        move || drop(later)
    });
}

/// Texts longer than this are autosaved once the page settles.
const SAVE_LATER_ABOVE: usize = 16 * 1024;
/// How long a big text waits for the page to settle before it is saved.
const SAVE_DELAY_MS: u32 = 300;

fn save(text: &str) {
    if let Some(st) = storage() {
        let _ = st.set_item(STORAGE_KEY, text);
    }
}

/// The address bar follows the state (after the render; the compact form once the browser
/// has compressed it), and back/forward reopen the state in the fragment.
#[hook]
pub fn use_url_sync(s: &State, dispatch: Dispatch) {
    {
        let s = s.clone();
        use_effect_with((s.sim.clone(), s.step, s.compare, s.hold_url), move |_| {
            share::sync_url(&s)
        });
    }
    use_effect_with((), move |_| {
        let listener = share::on_popstate(dispatch);
        move || drop(listener)
    });
}

/// ←/→ step through the trace, except while typing, in a scrolled text block, or with a
/// modifier (Alt+← is the browser's back).
#[hook]
pub fn use_step_keys(sim: SimRef, at: Option<Cursor>, dispatch: Dispatch) {
    use_keydown((sim, at, dispatch), |(sim, at, d)| {
        let (sim, at, d) = (sim.clone(), *at, d.clone());
        move |e: &KeyboardEvent| {
            let Some(at) = at else { return };
            if e.alt_key() || e.ctrl_key() || e.meta_key() || e.shift_key() || keeps_arrows(e) {
                return;
            }
            let how = match e.key().as_str() {
                "ArrowRight" => Nav::Next,
                "ArrowLeft" => Nav::Prev,
                _ => return,
            };
            e.prevent_default();
            if let Some(to) = nav(&sim, at, how) {
                d.dispatch(Action::SetStep(Some(to)));
            }
        }
    });
}

/// A mouse drag over an SVG, in view units: `span` is the rubber band while dragging;
/// `on_drop` gets `(x0, x1)` when the button is released over the SVG.
pub struct Drag {
    /// The rubber band `(from, to)`, while dragging.
    pub span: Option<(f64, f64)>,
    /// Handlers to put on the SVG.
    pub onmousedown: Callback<MouseEvent>,
    /// See `onmousedown`.
    pub onmousemove: Callback<MouseEvent>,
    /// See `onmousedown`.
    pub onmouseup: Callback<MouseEvent>,
    /// See `onmousedown`.
    pub onmouseleave: Callback<MouseEvent>,
}

/// Drags over the SVG in `node`, whose view box is `width` wide with `gutter` units left of
/// the address axis.
#[hook]
pub fn use_drag(node: NodeRef, width: f64, gutter: f64, on_drop: Callback<(f64, f64)>) -> Drag {
    let drag = use_state(|| None::<(f64, f64)>);
    let to_x = move |client_x: i32| -> Option<f64> {
        let r = node.cast::<web_sys::Element>()?.get_bounding_client_rect();
        (r.width() > 0.0).then(|| (client_x as f64 - r.left()) / r.width() * width - gutter)
    };
    let onmousedown = {
        let (drag, to_x) = (drag.clone(), to_x.clone());
        Callback::from(move |e: MouseEvent| {
            if e.button() != 0 {
                return;
            }
            if let Some(x) = to_x(e.client_x()) {
                e.prevent_default();
                drag.set(Some((x, x)));
            }
        })
    };
    let onmousemove = {
        let (drag, to_x) = (drag.clone(), to_x.clone());
        Callback::from(move |e: MouseEvent| {
            if let (Some((x0, _)), Some(x)) = (*drag, to_x(e.client_x())) {
                drag.set(Some((x0, x)));
            }
        })
    };
    let onmouseleave = {
        let drag = drag.clone();
        Callback::from(move |_: MouseEvent| drag.set(None))
    };
    let onmouseup = {
        let drag = drag.clone();
        Callback::from(move |e: MouseEvent| {
            let Some((x0, _)) = *drag else { return };
            drag.set(None);
            if let Some(x1) = to_x(e.client_x()) {
                on_drop.emit(if x0 <= x1 { (x0, x1) } else { (x1, x0) });
            }
        })
    };
    Drag {
        span: *drag,
        onmousedown,
        onmousemove,
        onmouseup,
        onmouseleave,
    }
}

/// Play speeds: milliseconds per event, with their labels.
pub const SPEEDS: [(u32, &str); 4] = [
    (1500, "slow"),
    (700, "normal"),
    (300, "fast"),
    (100, "very fast"),
];

/// Playing through an op's trace: one event per `delay` ms until its last event.
pub struct Player {
    /// Playing now.
    pub playing: bool,
    /// Milliseconds per event.
    pub delay: u32,
    /// Play or pause.
    pub toggle: Callback<MouseEvent>,
    /// Sets the speed (from a `<select>` of [`SPEEDS`]).
    pub set_delay: Callback<u32>,
}

/// Plays the op at `at`: steps to the next event every `delay` ms, stopping at its last
/// event (or when the reader steps elsewhere by hand: each step restarts the timer).
#[hook]
pub fn use_player(sim: SimRef, at: Cursor, dispatch: Dispatch) -> Player {
    let playing = use_state(|| false);
    let delay = use_state(|| SPEEDS[1].0);
    {
        let playing = playing.clone();
        use_effect_with((sim, at, *playing, *delay), move |(sim, at, on, delay)| {
            let timer = on.then(|| {
                let (sim, at) = (sim.clone(), *at);
                gloo::timers::callback::Timeout::new(*delay, move || {
                    match nav(&sim, at, Nav::Next)
                        .filter(|to| to.command == sim.header_lines() + at.op)
                    {
                        Some(to) => dispatch.dispatch(Action::SetStep(Some(to))),
                        None => playing.set(false),
                    }
                })
            });
            move || drop(timer)
        });
    }
    let toggle = {
        let playing = playing.clone();
        Callback::from(move |_| playing.set(!*playing))
    };
    let set_delay = {
        let delay = delay.clone();
        Callback::from(move |ms| delay.set(ms))
    };
    Player {
        playing: *playing,
        delay: *delay,
        toggle,
        set_delay,
    }
}
