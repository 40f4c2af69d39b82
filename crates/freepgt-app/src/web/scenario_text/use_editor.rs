//! The editor's hook: the document ([`Doc`]) behind the textarea, kept in step with the state,
//! and every move of text in and out of the textarea. The decisions (which page, what a paste
//! or Ctrl+A replaces) are the document's; this only reads and sets the textarea.

use super::{SameText, LINE_PX};
use crate::model::editor::{replacement, Doc, PagerView, Take, Turn};
use crate::model::pages;
use crate::state::SimRef;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlTextAreaElement};
use yew::prelude::*;

/// The editor's handle: the textarea and its wrapper (which places the error band), the
/// document, the pager bar's view and whether an unapplied edit outlived a state change.
#[derive(Clone)]
pub struct Editor {
    /// The textarea.
    pub area: NodeRef,
    /// The textarea's wrapper: its `--scroll` keeps the error band on its line.
    pub wrap: NodeRef,
    doc: Rc<RefCell<Doc>>,
    pager: UseStateHandle<PagerView>,
    kept_draft: UseStateHandle<bool>,
}

/// The editor: takes the state's text (`draft`, else `source`, else the scenario's own) when
/// it changes, without losing an unapplied edit; a refused link's text (`draft`) opens on its
/// error line `err_line`.
#[hook]
pub fn use_editor(
    sim: &SimRef,
    source: &Option<Rc<str>>,
    draft: &Option<Rc<str>>,
    err_line: Option<usize>,
) -> Editor {
    let ed = Editor {
        area: use_node_ref(),
        wrap: use_node_ref(),
        doc: use_mut_ref(Doc::default),
        pager: use_state(PagerView::default),
        kept_draft: use_state(|| false),
    };
    {
        let ed = ed.clone();
        let (sim, source, draft) = (sim.clone(), source.clone(), draft.clone());
        let deps = (
            sim.clone(),
            SameText(source.clone()),
            SameText(draft.clone()),
        );
        use_effect_with(deps, move |_| {
            let want = draft.as_deref().or(source.as_deref()).unwrap_or(&sim.text);
            ed.take(want, draft.is_some(), err_line);
        });
    }
    // yew has no beforeinput listener: a plain one, for the component's life.
    {
        let ed = ed.clone();
        use_effect_with((), move |_| {
            let listener = ed.textarea().map(|a| {
                let opts = gloo::events::EventListenerOptions::enable_prevent_default();
                gloo::events::EventListener::new_with_options(&a, "beforeinput", opts, move |e| {
                    if let Some(e) = e.dyn_ref::<web_sys::InputEvent>() {
                        ed.before_input(e);
                    }
                })
            });
            move || drop(listener)
        });
    }
    ed
}

impl Editor {
    /// A callback running `f` on this editor.
    pub fn on<E: 'static>(&self, f: impl Fn(&Editor, E) + 'static) -> Callback<E> {
        let ed = self.clone();
        Callback::from(move |e| f(&ed, e))
    }

    /// The pager as the page bar shows it.
    pub fn pager(&self) -> PagerView {
        *self.pager
    }

    /// The scenario changed while the reader had unapplied edits (kept).
    pub fn kept_draft(&self) -> bool {
        *self.kept_draft
    }

    fn textarea(&self) -> Option<HtmlTextAreaElement> {
        self.area.cast::<HtmlTextAreaElement>()
    }

    /// Puts the document's page in the textarea and tells the page bar.
    fn show(&self, a: &HtmlTextAreaElement, doc: &Doc) {
        a.set_value(doc.page_text());
        self.sync_pager(doc);
    }

    fn sync_pager(&self, doc: &Doc) {
        let v = PagerView::of(doc);
        if *self.pager != v {
            self.pager.set(v);
        }
    }

    /// The effect behind [`use_editor`]: takes `want` from the state.
    fn take(&self, want: &str, draft: bool, err_line: Option<usize>) {
        let Some(a) = self.textarea() else {
            return;
        };
        let mut doc = self.doc.borrow_mut();
        if doc.dirty {
            // The reader's unapplied edit is kept (never lose work), unless it is exactly
            // what the state now holds (it was just applied).
            let shown = a.value();
            let shown_len = shown.len();
            let full = doc.full(shown);
            let same = full == want;
            if same {
                doc.applied(full, shown_len);
            }
            self.kept_draft.set(!same);
            return;
        }
        match doc.take(want) {
            Take::Keep => {}
            Take::Append(from) => {
                let len = a.text_length();
                let _ = a.set_range_text_with_start_and_end(&doc.text()[from..], len, len);
            }
            Take::Show => a.set_value(doc.page_text()),
        }
        self.kept_draft.set(false);
        if draft {
            // A refused link's text is an unapplied edit: a later change keeps it.
            doc.dirty = true;
            if let Some(n) = err_line {
                if doc.go_to_line(a.value(), n) {
                    a.set_value(doc.page_text());
                }
                self.scroll_to_line(&a, doc.local_line(n));
            }
        }
        self.sync_pager(&doc);
    }

    /// The reader typed in the textarea.
    pub fn typed(&self) {
        self.doc.borrow_mut().dirty = true;
    }

    /// A key went down (Ctrl+A marks the whole text selected).
    pub fn key(&self, e: &KeyboardEvent) {
        self.doc
            .borrow_mut()
            .key(&e.key(), e.ctrl_key() || e.meta_key());
    }

    /// A click places the cursor: Ctrl+A's selection is gone.
    pub fn clicked(&self) {
        self.doc.borrow_mut().all = false;
    }

    /// A big paste, or a paste over Ctrl+A's selection of a paged text, is spliced in by the
    /// document: no textarea ever lays out a 40,000-line insert.
    pub fn paste(&self, e: &Event) {
        let Some(text) = e
            .dyn_ref::<web_sys::ClipboardEvent>()
            .and_then(|c| c.clipboard_data())
            .and_then(|d| d.get_data("text/plain").ok())
        else {
            return;
        };
        if self.doc.borrow().takes_paste(&text) {
            e.prevent_default();
            self.replace(&text);
        }
    }

    /// After Ctrl+A on a paged text, typing or deleting replaces the whole text.
    fn before_input(&self, e: &web_sys::InputEvent) {
        if !self.doc.borrow().replaces_all() {
            return;
        }
        if let Some(with) = replacement(&e.input_type(), e.data()) {
            e.prevent_default();
            self.replace(&with);
        }
    }

    /// Replaces the textarea's selection (or, after Ctrl+A, the whole text) with `with`.
    fn replace(&self, with: &str) {
        let Some(a) = self.textarea() else {
            return;
        };
        let sel = (
            a.selection_start().ok().flatten().unwrap_or(0) as usize,
            a.selection_end().ok().flatten().unwrap_or(0) as usize,
        );
        let mut doc = self.doc.borrow_mut();
        doc.replace(&a.value(), sel, with);
        self.show(&a, &doc);
    }

    /// The whole text, the textarea's page spliced in (what Apply runs).
    pub fn text(&self) -> Option<String> {
        let a = self.textarea()?;
        Some(self.doc.borrow().full(a.value()))
    }

    /// Shows `text` (the scenario's), dropping the reader's edits.
    pub fn revert(&self, text: String) {
        if let Some(a) = self.textarea() {
            let mut doc = self.doc.borrow_mut();
            let page = doc.page();
            doc.show(text, page);
            doc.dirty = false;
            self.kept_draft.set(false);
            self.show(&a, &doc);
        }
    }

    /// Another page: the edits of this one are kept in the document.
    pub fn turn(&self, to: Turn) {
        if let Some(a) = self.textarea() {
            let mut doc = self.doc.borrow_mut();
            doc.turn(a.value(), to);
            self.show(&a, &doc);
        }
    }

    /// Selects line `n` of the whole text, turning to its page, and scrolls it into view.
    pub fn go_to_line(&self, n: usize) {
        let Some(a) = self.textarea() else {
            return;
        };
        let mut doc = self.doc.borrow_mut();
        if doc.go_to_line(a.value(), n) {
            self.show(&a, &doc);
        }
        let local = doc.local_line(n);
        let _ = a.focus();
        if let Some((from, to)) = pages::line_span(&a.value(), local) {
            let _ = a.set_selection_range(from, to);
        }
        self.scroll_to_line(&a, local);
    }

    /// Keeps the error band on its line while the textarea scrolls.
    pub fn follow_scroll(&self) {
        if let (Some(a), Some(w)) = (self.textarea(), self.wrap.cast::<HtmlElement>()) {
            let _ = w.set_attribute("style", &format!("--scroll: {}px", a.scroll_top()));
        }
    }

    /// Scrolls local line `n` (1-based, within the page) into the middle of the textarea.
    fn scroll_to_line(&self, a: &HtmlTextAreaElement, n: usize) {
        let view = a.client_height().max(LINE_PX);
        let top = (n as i32 - 1) * LINE_PX - view / 2 + LINE_PX;
        a.set_scroll_top(top.max(0));
        self.follow_scroll();
    }
}
