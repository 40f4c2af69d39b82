//! Links and embeds in the browser: the URL fragment follows the state, back/forward reopen
//! earlier link-level states, the Share panel shows and copies the link and the embed
//! snippet, and embed mode's "Open in playground" link carries the full state and step.
//! All encoding and decoding is `freepgt::share` (via `state::link` / `State::open`).

use super::Dispatch;
use crate::state::{link, Action, AppError, PendingLink, SimRef, State};
use freepgt::share::StepRef;
use freepgt::share::{
    compact_body, encode_choosing, finish, Decoded, ShareError, Shared, MAX_TEXT,
};
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;
use yew::prelude::*;

// The browser's own raw-deflate codec: miniz_oxide would add ~30 KB gzipped to the wasm.
#[wasm_bindgen(inline_js = r#"
export async function deflateRaw(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
export async function inflateRaw(bytes, limit) {
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) { await reader.cancel(); throw new Error('too-large'); }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}
"#)]
extern "C" {
    #[wasm_bindgen(catch, js_name = deflateRaw)]
    async fn deflate_raw(text: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = inflateRaw)]
    async fn inflate_raw(bytes: &[u8], limit: f64) -> Result<JsValue, JsValue>;
}

/// Readable fragments up to this length are written at once; longer ones wait for compression.
const READABLE_AT_ONCE: usize = 16 * 1024;
/// Scenario texts longer than this are synced after the page settles: encoding, compressing
/// and writing a long address costs tens of milliseconds, which a step or an edit of a big
/// scenario must not pay before its frame (a burst of steps syncs once, at its end).
const SYNC_LATER_ABOVE: usize = 16 * 1024;
/// How long the address bar waits for a big scenario's state to settle.
const SYNC_DELAY_MS: u32 = 200;

thread_local! {
    /// The scenario text of the last history entry this page pushed.
    static PUSHED_TEXT: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The last fragment computed, with the link it encodes.
    static LAST: RefCell<Option<(Shared, String)>> = const { RefCell::new(None) };
    /// Bumped per sync, so a slow compression cannot overwrite a newer state's fragment.
    static GENERATION: Cell<u64> = const { Cell::new(0) };
    /// The compact body of the last text compressed: a step changes the link, not its text.
    static COMPACT: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
    /// A big scenario's sync waiting for the page to settle (dropping it cancels it).
    static PENDING: RefCell<Option<gloo::timers::callback::Timeout>> = const { RefCell::new(None) };
}

/// The current fragment, without `#`.
pub fn current_fragment() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    Some(hash.trim_start_matches('#').to_string())
}

/// The page's address without its fragment.
pub fn base_url() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split('#').next().unwrap_or("").to_string())
        .unwrap_or_default()
}

/// The full link for `fragment`.
pub fn link_for(fragment: &str) -> String {
    format!("{}#{fragment}", base_url())
}

/// The fragment for `link`: the compact one computed by the last sync if it is for this very
/// link, else the readable form (always valid, just longer).
pub fn fragment_now(link: &Shared) -> String {
    LAST.with(|l| match &*l.borrow() {
        Some((for_link, frag)) if for_link == link => frag.clone(),
        _ => encode_choosing(link, None).0,
    })
}

/// Compresses and encodes `link` (readable if compression fails or does not pay). The
/// compressed text is kept for the next link with the same text.
async fn encode(link: &Shared) -> String {
    let cached = COMPACT.with(|c| match &*c.borrow() {
        Some((text, body)) if *text == link.text => Some(body.clone()),
        _ => None,
    });
    let compact = match cached {
        Some(body) => Some(body),
        None => match deflate_raw(&link.text).await {
            Ok(bytes) => {
                let body = compact_body(&js_sys::Uint8Array::new(&bytes).to_vec());
                COMPACT.with(|c| *c.borrow_mut() = Some((link.text.clone(), body.clone())));
                Some(body)
            }
            Err(_) => None,
        },
    };
    encode_choosing(link, compact.as_deref()).0
}

/// Puts the state in the address bar. At once in the readable form, so the address never lags
/// the state (a reload or a copied address has the current scenario), with a new history entry
/// when the scenario changed (so back returns to the previous one) and a replaced one when only
/// the step or mode changed; then, once the browser has compressed the text, the compact form
/// in place of that entry if it is at least 20% shorter.
///
/// A big scenario's sync waits until the state has not changed for [`SYNC_DELAY_MS`].
pub fn sync_url(s: &State) {
    // A link that could not be opened stays in the address bar exactly as given.
    if s.hold_url {
        PENDING.with(|p| p.borrow_mut().take());
        return;
    }
    let link = s.link();
    let generation = GENERATION.with(|g| {
        g.set(g.get() + 1);
        g.get()
    });
    if link.text.len() <= SYNC_LATER_ABOVE {
        PENDING.with(|p| p.borrow_mut().take());
        sync_now(link, generation);
        return;
    }
    let later = gloo::timers::callback::Timeout::new(SYNC_DELAY_MS, move || {
        PENDING.with(|p| p.borrow_mut().take());
        if GENERATION.with(|g| g.get()) == generation {
            sync_now(link, generation);
        }
    });
    PENDING.with(|p| *p.borrow_mut() = Some(later));
}

/// Writes `link` into the address bar (see [`sync_url`]).
fn sync_now(link: Shared, generation: u64) {
    let readable = encode_choosing(&link, None).0;
    // A huge readable address costs tens of milliseconds per history entry; big scenarios
    // wait for the compact form instead.
    let immediate = readable.len() <= READABLE_AT_ONCE;
    if immediate {
        set_url(&readable, Some(&link.text));
    }
    let text = (!immediate).then(|| link.text.clone());
    // The address as this sync left it: if it differs when the compact form is ready, someone
    // else (the reader, a link they followed) changed it meanwhile, and theirs wins.
    let left = current_fragment();
    wasm_bindgen_futures::spawn_local(async move {
        let fragment = encode(&link).await;
        if GENERATION.with(|g| g.get()) != generation || current_fragment() != left {
            return;
        }
        LAST.with(|l| *l.borrow_mut() = Some((link, fragment.clone())));
        if fragment != readable || !immediate {
            set_url(&fragment, text.as_deref());
        }
    });
}

/// Sets the fragment: pushes a history entry if `text` is a scenario other than the one last
/// pushed (and the page already had a fragment), else replaces the current entry.
fn set_url(fragment: &str, text: Option<&str>) {
    let Some(history) = web_sys::window().and_then(|w| w.history().ok()) else {
        return;
    };
    let current = current_fragment();
    if current.as_deref() == Some(fragment) {
        return;
    }
    let new_text = text.is_some_and(|t| {
        PUSHED_TEXT.with(|p| {
            let mut p = p.borrow_mut();
            let changed = p.as_deref() != Some(t);
            *p = Some(t.to_string());
            changed
        })
    });
    let first = current.is_none_or(|f| f.is_empty());
    let url = format!("#{fragment}");
    let _ = if new_text && !first {
        history.push_state_with_url(&JsValue::NULL, "", Some(&url))
    } else {
        history.replace_state_with_url(&JsValue::NULL, "", Some(&url))
    };
}

/// Remembers the scenario the page opened with, so the first sync replaces rather than pushes.
pub fn note_opened(s: &State) {
    PUSHED_TEXT.with(|p| *p.borrow_mut() = Some(s.source_text().to_string()));
}

/// Inflates a compact link in the browser, then opens it (or says why not).
pub fn open_pending(pending: PendingLink, dispatch: Dispatch) {
    wasm_bindgen_futures::spawn_local(async move {
        let result = match inflate_raw(&pending.deflated, MAX_TEXT as f64).await {
            Ok(bytes) => finish(pending.rest, js_sys::Uint8Array::new(&bytes).to_vec()),
            Err(e) => Err(
                if e.as_string().is_some_and(|m| m.contains("too-large"))
                    || js_sys::Error::from(e)
                        .message()
                        .as_string()
                        .is_some_and(|m| m == "too-large")
                {
                    ShareError::InflatesTooLarge
                } else {
                    ShareError::BadDeflate
                },
            ),
        };
        match result {
            Ok(link) => {
                PUSHED_TEXT.with(|p| *p.borrow_mut() = Some(link.text.clone()));
                dispatch.dispatch(Action::OpenLink(link));
            }
            Err(e) => dispatch.dispatch(Action::Notice(AppError::LinkUnreadable(e))),
        }
    });
}

/// Back/forward: reopen the state in the fragment.
pub fn on_popstate(dispatch: Dispatch) -> gloo::events::EventListener {
    let window = web_sys::window().expect("window");
    gloo::events::EventListener::new(&window, "popstate", move |_| {
        let Some(fragment) = current_fragment().filter(|f| !f.is_empty()) else {
            return;
        };
        match freepgt::share::decode_start(&fragment) {
            Ok(Decoded::Ready(link)) => {
                PUSHED_TEXT.with(|p| *p.borrow_mut() = Some(link.text.clone()));
                dispatch.dispatch(Action::OpenLink(link));
            }
            Ok(Decoded::NeedsInflate { deflated, rest }) => {
                open_pending(PendingLink { deflated, rest }, dispatch.clone())
            }
            Err(e) => dispatch.dispatch(Action::Notice(AppError::LinkRefused(Box::new(
                AppError::Share(e),
            )))),
        }
    })
}

fn copy(text: &str, status: UseStateHandle<Option<&'static str>>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::spawn_local(async move {
        let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
        status.set(Some(if ok {
            "Copied."
        } else {
            "Copy failed: select the text and copy it."
        }));
    });
}

/// The iframe snippet documentation authors paste (embed.js makes the same from a <pre>).
pub fn embed_snippet(link: &Shared) -> String {
    let mut fragment = fragment_now(link);
    if !link.embed {
        fragment.push_str("&embed=1");
    }
    format!(
        "<iframe src=\"{}\" title=\"freepgt playground\" width=\"100%\" height=\"420\" style=\"border:1px solid #8888;border-radius:6px\" loading=\"lazy\"></iframe>",
        link_for(&fragment)
    )
}

/// The props of what shows a link: the scenario, its step and compare mode.
#[derive(Properties, PartialEq)]
pub struct LinkProps {
    /// The scenario.
    pub sim: SimRef,
    /// The author's text, when it says more than the canonical one (see `State::source`).
    #[prop_or_default]
    pub source: Option<std::rc::Rc<str>>,
    /// The step shown.
    pub step: Option<StepRef>,
    /// Compare mode is on.
    pub compare: bool,
}

/// The text a link carries: the author's, else the canonical one.
fn source_of(p: &LinkProps) -> &str {
    p.source.as_deref().unwrap_or(&p.sim.text)
}

/// The Share button and panel.
#[function_component(SharePanel)]
pub fn share_panel(p: &LinkProps) -> Html {
    let open = use_state(|| false);
    let status = use_state(|| None::<&'static str>);
    let button = use_node_ref();
    super::popup::use_escape_closes(open.clone(), button.clone());
    let toggle = {
        let (open, status) = (open.clone(), status.clone());
        Callback::from(move |_| {
            status.set(None);
            open.set(!*open);
        })
    };
    // Only an open panel computes the link (percent-encoding a big scenario is not free).
    let (link, snippet) = if *open {
        let shared = link(source_of(p), p.step, false, p.compare);
        (link_for(&fragment_now(&shared)), embed_snippet(&shared))
    } else {
        Default::default()
    };
    let (on_copy_link, on_copy_embed) = {
        let (l, e, st1, st2) = (
            link.clone(),
            snippet.clone(),
            status.clone(),
            status.clone(),
        );
        (
            Callback::from(move |_| copy(&l, st1.clone())),
            Callback::from(move |_| copy(&e, st2.clone())),
        )
    };
    html! {
        <div class="share">
            <button type="button" id="share" ref={button} aria-expanded={(*open).to_string()} onclick={toggle}>{ "Share" }</button>
            <a class="book-link" id="book-link" href="book/" target="_blank" rel="noopener" title="The book: the scenario language, the patch case by case, embedding">{ "Book" }</a>
            if *open {
                <div class="share-panel" role="region" aria-label="share this scenario (Escape closes)">
                    <label>{ format!("Link ({} characters)", link.len()) }
                        <input id="share-link" type="text" readonly=true value={link.clone()} />
                    </label>
                    <button type="button" id="copy-link" onclick={on_copy_link}>{ "Copy link" }</button>
                    <label>{ "1. iframe (any page, no script; fixed height)" }
                        <textarea id="embed-snippet" readonly=true rows="3" value={snippet} />
                    </label>
                    <button type="button" id="copy-embed" onclick={on_copy_embed}>{ "Copy embed snippet" }</button>
                    <super::embed_ways::EmbedWays sim={p.sim.clone()} source={p.source.clone()} step={p.step} compare={p.compare} />
                    if let Some(msg) = *status { <span class="muted" role="status">{ msg }</span> }
                </div>
            }
        </div>
    }
}

/// Embed mode's header: what this is, and the way out to the full playground.
#[function_component(EmbedBar)]
pub fn embed_bar(p: &LinkProps) -> Html {
    let href = link_for(&encode_choosing(&link(source_of(p), p.step, false, p.compare), None).0);
    html! {
        <header class="embed-bar">
            <strong>{ "freepgt playground" }</strong>
            <span class="muted small">{ format!(" {} · {}", p.sim.header.arch.map_or("", |a| a.name()), p.sim.kernel()) }</span>
            <a id="open-in-playground" href={href} target="_blank" rel="noopener">{ "Open in playground ↗" }</a>
        </header>
    }
}
