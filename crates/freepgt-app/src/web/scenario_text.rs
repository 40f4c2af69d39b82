//! The scenario editor: the author's own text (comments, blank lines and spelling survive
//! Apply), Apply and Revert, a refused text's error marked on its line, and the canonical form
//! (what the report echoes) on request.
//!
//! Built for big scenarios: the textarea is uncontrolled (yew never diffs its text) and a
//! keystroke only sets a flag. A long text is edited a page at a time ([`crate::model::pages`]):
//! a browser lays out a textarea's whole text on every keystroke and every change of its
//! value, which for thousands of lines costs far more than a frame. A big paste is taken
//! from the clipboard event and spliced into the text directly, and Ctrl+A then paste,
//! delete or typing replaces the whole text, as in any editor.

use super::Dispatch;
use crate::model::pages;
use crate::state::{Action, AppError, SimRef};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlTextAreaElement};
use yew::prelude::*;

/// The editor's props.
#[derive(Properties, PartialEq)]
pub struct TextProps {
    /// The scenario.
    pub sim: SimRef,
    /// The author's text, when it says more than the canonical one (`State::source`).
    pub source: Option<Rc<str>>,
    /// A refused link's text (`State::draft`).
    pub draft: Option<Rc<str>>,
    /// A refused Apply's (or link's) error.
    pub error: Option<AppError>,
    /// Dispatches actions.
    pub dispatch: Dispatch,
}

/// Line height and top inset of the textarea in CSS pixels (fixed in style.css, so the error
/// band can be placed on a line without measuring).
const LINE_PX: i32 = 18;
const INSET_PX: i32 = 7;
/// Pastes of more lines than this are spliced in here rather than by the textarea.
const BIG_PASTE_LINES: usize = 500;

/// The line an `error line N: WHAT` names.
pub fn error_line(e: &str) -> Option<usize> {
    e.strip_prefix("error line ")?
        .split(':')
        .next()?
        .trim()
        .parse()
        .ok()
}

/// The UTF-16 offsets of line `n` (1-based) of `text`: what `setSelectionRange` takes.
fn line_span(text: &str, n: usize) -> Option<(u32, u32)> {
    let mut at = 0u32;
    for (i, line) in text.split('\n').enumerate() {
        let len = line.encode_utf16().count() as u32;
        if i + 1 == n {
            return Some((at, at + len));
        }
        at += len + 1;
    }
    None
}

/// The editor's document: the whole text as of the page last shown, which page the textarea
/// holds, and that page's byte range in `text`.
#[derive(Default)]
struct Doc {
    text: String,
    page: usize,
    range: (usize, usize),
    /// The reader typed since the editor last took the text from the state.
    dirty: bool,
    /// Ctrl+A was the last key: the next paste, delete or typing replaces the whole text.
    all: bool,
}

impl Doc {
    /// The whole text with the textarea's page spliced back in.
    fn full(&self, a: &HtmlTextAreaElement) -> String {
        if pages::pages(&self.text) == 1 && self.range == (0, self.text.len()) {
            return a.value();
        }
        pages::splice(&self.text, self.range, &a.value())
    }

    /// Shows page `page` of `text` in the textarea.
    fn show(&mut self, a: &HtmlTextAreaElement, text: String, page: usize) {
        let page = page.min(pages::pages(&text) - 1);
        let range = pages::page_range(&text, page);
        a.set_value(&text[range.0..range.1]);
        self.text = text;
        self.page = page;
        self.range = range;
    }

    /// Takes the state's text: an op that appended to a one-page text appends its line
    /// instead of re-setting the textarea; a paged text shows the page it was on (the last
    /// one when the text grew at its end).
    fn take(&mut self, a: &HtmlTextAreaElement, want: &str) {
        if self.text == want {
            return;
        }
        let one_page = pages::pages(want) == 1 && pages::pages(&self.text) == 1;
        match want.strip_prefix(self.text.as_str()) {
            Some(tail) if one_page && !self.text.is_empty() => {
                let len = a.text_length();
                let _ = a.set_range_text_with_start_and_end(tail, len, len);
                self.text = want.to_string();
                self.range = (0, self.text.len());
            }
            Some(_) if !self.text.is_empty() => {
                self.show(a, want.to_string(), usize::MAX);
            }
            _ => {
                let page = self.page;
                self.show(a, want.to_string(), page);
            }
        }
    }

    /// The page's first line number.
    fn first_line(&self) -> usize {
        pages::first_line(&self.text, self.page)
    }
}

/// Keeps the error band on its line while the textarea scrolls.
fn follow_scroll(area: &HtmlTextAreaElement, wrap: &NodeRef) {
    if let Some(w) = wrap.cast::<HtmlElement>() {
        let _ = w.set_attribute("style", &format!("--scroll: {}px", area.scroll_top()));
    }
}

/// Scrolls local line `n` (1-based, within the page) into the middle of the textarea.
fn scroll_to_line(area: &HtmlTextAreaElement, wrap: &NodeRef, n: usize) {
    let view = area.client_height().max(LINE_PX);
    let top = (n as i32 - 1) * LINE_PX - view / 2 + LINE_PX;
    area.set_scroll_top(top.max(0));
    follow_scroll(area, wrap);
}

/// A text compared by identity, for effect dependencies: comparing 600 KB texts per render
/// would not do, and holding the `Rc` (not its address) keeps the key alive, so a new text
/// allocated where a freed one stood can never pass for it.
#[derive(Clone)]
struct SameText(Option<Rc<str>>);

impl PartialEq for SameText {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

#[function_component(ScenarioText)]
pub fn scenario_text(p: &TextProps) -> Html {
    let d = p.dispatch.clone();
    let area = use_node_ref();
    let wrap = use_node_ref();
    let doc = use_mut_ref(Doc::default);
    // Bumped when the page or the page count changes (the page bar re-renders).
    let pager = use_state(|| (0usize, 1usize, 1usize));
    let kept_draft = use_state(|| false);
    let canonical_open = use_state(|| false);
    let error = p.error.as_ref().map(|e| e.to_string());
    let err_line = error.as_deref().and_then(error_line);
    let sync_pager = {
        let pager = pager.clone();
        move |doc: &Doc| {
            let v = (doc.page, pages::pages(&doc.text), doc.first_line());
            if *pager != v {
                pager.set(v);
            }
        }
    };
    {
        let (area, wrap, doc, kept_draft, sync_pager) = (
            area.clone(),
            wrap.clone(),
            doc.clone(),
            kept_draft.clone(),
            sync_pager.clone(),
        );
        let (sim, source, draft, error) =
            (p.sim.clone(), p.source.clone(), p.draft.clone(), err_line);
        let deps = (
            p.sim.clone(),
            SameText(p.source.clone()),
            SameText(p.draft.clone()),
        );
        use_effect_with(deps, move |_| {
            let Some(a) = area.cast::<HtmlTextAreaElement>() else {
                return;
            };
            let want = draft.as_deref().or(source.as_deref()).unwrap_or(&sim.text);
            let mut doc = doc.borrow_mut();
            if doc.dirty {
                // The reader's unapplied edit is kept (never lose work), unless it is exactly
                // what the state now holds (it was just applied).
                let full = doc.full(&a);
                if full == want {
                    doc.dirty = false;
                    doc.range.1 = doc.range.0 + a.value().len();
                    doc.text = full;
                    kept_draft.set(false);
                } else {
                    kept_draft.set(true);
                }
                return;
            }
            doc.take(&a, want);
            kept_draft.set(false);
            if draft.is_some() {
                // A refused link's text is an unapplied edit: a later change keeps it.
                doc.dirty = true;
                if let Some(n) = error {
                    let page = pages::page_of_line(&doc.text, n);
                    if page != doc.page {
                        let text = std::mem::take(&mut doc.text);
                        doc.show(&a, text, page);
                    }
                    scroll_to_line(&a, &wrap, n + 1 - doc.first_line());
                }
            }
            sync_pager(&doc);
        });
    }
    let oninput = {
        let doc = doc.clone();
        Callback::from(move |_: InputEvent| doc.borrow_mut().dirty = true)
    };
    // Ctrl+A marks the whole text selected (the textarea can only select its page).
    let onkeydown = {
        let doc = doc.clone();
        Callback::from(move |e: KeyboardEvent| {
            let all = (e.ctrl_key() || e.meta_key()) && e.key().eq_ignore_ascii_case("a");
            if !matches!(e.key().as_str(), "Control" | "Meta" | "Shift") {
                doc.borrow_mut().all = all;
            }
        })
    };
    let onmousedown = {
        let doc = doc.clone();
        Callback::from(move |_: MouseEvent| doc.borrow_mut().all = false)
    };
    // Replaces the textarea's selection (or, after Ctrl+A, the whole text) with `with`, in
    // the document: no textarea ever lays out a 40,000-line insert.
    let replace = {
        let (area, doc, sync_pager) = (area.clone(), doc.clone(), sync_pager.clone());
        move |with: &str| {
            let Some(a) = area.cast::<HtmlTextAreaElement>() else {
                return;
            };
            let mut doc = doc.borrow_mut();
            let page_text = a.value();
            let (s, e) = (
                a.selection_start().ok().flatten().unwrap_or(0) as usize,
                a.selection_end().ok().flatten().unwrap_or(0) as usize,
            );
            let whole = doc.all && s == 0 && e as u32 == a.text_length();
            let (full, line) = if whole {
                (with.to_string(), 1)
            } else {
                let (bs, be) = (
                    pages::byte_of_utf16(&page_text, s),
                    pages::byte_of_utf16(&page_text, e),
                );
                let page = format!("{}{with}{}", &page_text[..bs], &page_text[be..]);
                let line = doc.first_line() + page_text[..bs].matches('\n').count();
                (pages::splice(&doc.text, doc.range, &page), line)
            };
            doc.all = false;
            doc.dirty = true;
            let page = pages::page_of_line(&full, line);
            doc.show(&a, full, page);
            sync_pager(&doc);
        }
    };
    let onpaste = {
        let (doc, replace) = (doc.clone(), replace.clone());
        Callback::from(move |e: Event| {
            let Some(text) = e
                .dyn_ref::<web_sys::ClipboardEvent>()
                .and_then(|c| c.clipboard_data())
                .and_then(|d| d.get_data("text/plain").ok())
            else {
                return;
            };
            let paged = pages::pages(&doc.borrow().text) > 1;
            if doc.borrow().all && paged || pages::line_count(&text) > BIG_PASTE_LINES {
                e.prevent_default();
                replace(&text);
            }
        })
    };
    // After Ctrl+A on a paged text, typing or deleting replaces the whole text (yew has no
    // beforeinput listener: a plain one, for the component's life).
    {
        let (area, doc, replace) = (area.clone(), doc.clone(), replace.clone());
        use_effect_with((), move |_| {
            let listener = area.cast::<HtmlTextAreaElement>().map(|a| {
                let opts = gloo::events::EventListenerOptions::enable_prevent_default();
                gloo::events::EventListener::new_with_options(&a, "beforeinput", opts, move |e| {
                    let Some(e) = e.dyn_ref::<web_sys::InputEvent>() else {
                        return;
                    };
                    let paged = pages::pages(&doc.borrow().text) > 1;
                    if !(doc.borrow().all && paged) {
                        return;
                    }
                    let t = e.input_type();
                    let with = if t.starts_with("delete") {
                        String::new()
                    } else if t == "insertText" || t == "insertLineBreak" {
                        e.data().unwrap_or_else(|| "\n".to_string())
                    } else {
                        return;
                    };
                    e.prevent_default();
                    replace(&with);
                })
            });
            move || drop(listener)
        });
    }
    let onscroll = {
        let (area, wrap) = (area.clone(), wrap.clone());
        Callback::from(move |_: Event| {
            if let Some(a) = area.cast::<HtmlTextAreaElement>() {
                follow_scroll(&a, &wrap);
            }
        })
    };
    let apply = {
        let (d, area, doc) = (d.clone(), area.clone(), doc.clone());
        Callback::from(move |_| {
            if let Some(a) = area.cast::<HtmlTextAreaElement>() {
                let full = doc.borrow().full(&a);
                d.dispatch(Action::ApplyText(full));
            }
        })
    };
    let revert = {
        let (area, doc, kept_draft, sync_pager) = (
            area.clone(),
            doc.clone(),
            kept_draft.clone(),
            sync_pager.clone(),
        );
        let (sim, source) = (p.sim.clone(), p.source.clone());
        Callback::from(move |_| {
            if let Some(a) = area.cast::<HtmlTextAreaElement>() {
                let text = source.as_deref().unwrap_or(&sim.text).to_string();
                let mut doc = doc.borrow_mut();
                let page = doc.page;
                doc.show(&a, text, page);
                doc.dirty = false;
                kept_draft.set(false);
                sync_pager(&doc);
            }
        })
    };
    // Another page: the edits of this one are kept in the document.
    let turn = |to: fn(usize, usize) -> usize| {
        let (area, doc, sync_pager) = (area.clone(), doc.clone(), sync_pager.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(a) = area.cast::<HtmlTextAreaElement>() {
                let mut doc = doc.borrow_mut();
                let full = doc.full(&a);
                let page = to(doc.page, pages::pages(&full));
                doc.show(&a, full, page);
                sync_pager(&doc);
            }
        })
    };
    let goto = {
        let (area, wrap, doc, sync_pager) =
            (area.clone(), wrap.clone(), doc.clone(), sync_pager.clone());
        Callback::from(move |_| {
            let (Some(a), Some(n)) = (area.cast::<HtmlTextAreaElement>(), err_line) else {
                return;
            };
            let mut doc = doc.borrow_mut();
            let full = doc.full(&a);
            let page = pages::page_of_line(&full, n);
            if page != doc.page || pages::pages(&full) != pages::pages(&doc.text) {
                doc.show(&a, full, page);
                sync_pager(&doc);
            }
            let local = n + 1 - doc.first_line();
            let _ = a.focus();
            if let Some((from, to)) = line_span(&a.value(), local) {
                let _ = a.set_selection_range(from, to);
            }
            scroll_to_line(&a, &wrap, local);
        })
    };
    let on_canonical = {
        let open = canonical_open.clone();
        Callback::from(move |e: Event| {
            let is_open = e
                .target_dyn_into::<web_sys::HtmlDetailsElement>()
                .is_some_and(|d| d.open());
            open.set(is_open);
        })
    };
    let (page, n_pages, first) = *pager;
    // The error band, when its line is on the page shown.
    let band = err_line.and_then(|n| {
        let last = first + pages::PAGE_LINES;
        (n_pages == 1 || (first..last).contains(&n)).then(|| (n, n + 1 - first))
    });
    html! {
        <section class="panel" id="editor" aria-labelledby="text-h">
            <h2 id="text-h"><label for="scenario-text">{ "Scenario text" }</label></h2>
            <p class="muted small">{ "Your text as you wrote it: comments (#) and blank lines are kept. Apply runs it; an error changes nothing and is marked on its line. Help › Scenario language lists the commands." }</p>
            if *kept_draft {
                <p class="notice small" id="draft-kept" role="status">{ "The scenario changed while this text had unapplied edits; your edits are kept. Apply them, or Revert to the current scenario." }</p>
            }
            if n_pages > 1 {
                <div class="pager" id="text-pager" role="group" aria-label="pages of the text">
                    <button type="button" id="page-prev" disabled={page == 0} onclick={turn(|p, _| p.saturating_sub(1))}>{ "◀ previous" }</button>
                    <span id="page-lines">{ format!("lines {}–{} (page {} of {n_pages})", first, first + pages::PAGE_LINES - 1, page + 1) }</span>
                    <button type="button" id="page-next" disabled={page + 1 >= n_pages} onclick={turn(|p, n| (p + 1).min(n - 1))}>{ "next ▶" }</button>
                    <small class="muted">{ " A long text is edited a page at a time; Ctrl+A selects all of it." }</small>
                </div>
            }
            <div class="editor" ref={wrap}>
                if let Some((n, local)) = band {
                    <div class="err-line" id="err-line" data-line={n.to_string()} aria-hidden="true"
                        style={format!("top: calc({INSET_PX}px + {}px - var(--scroll, 0px))", (local as i32 - 1) * LINE_PX)}>
                        <span>{ format!("⚠ line {n}") }</span>
                    </div>
                }
                <textarea id="scenario-text" ref={area} spellcheck="false" autocomplete="off" wrap="off" rows="14"
                    aria-describedby="text-error" aria-invalid={err_line.is_some().to_string()}
                    {oninput} {onscroll} {onpaste} {onkeydown} {onmousedown} />
            </div>
            <div class="buttons">
                <button type="button" id="apply-text" onclick={apply}>{ "Apply" }</button>
                <button type="button" id="revert-text" onclick={revert}>{ "Revert" }</button>
                if let Some(n) = err_line {
                    <button type="button" id="goto-error" onclick={goto}>{ format!("Go to line {n}") }</button>
                }
            </div>
            <p id="text-error" class="error" role="alert">{ error.clone().unwrap_or_default() }</p>
            <details id="canonical-details" ontoggle={on_canonical}>
                <summary>{ "Canonical form (what the report echoes: one command per line, comments dropped)" }</summary>
                if *canonical_open { <pre id="canonical" class="report" tabindex="0">{ p.sim.text.clone() }</pre> }
            </details>
        </section>
    }
}
