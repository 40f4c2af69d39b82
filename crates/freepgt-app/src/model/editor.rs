//! The scenario editor's document, apart from the browser. The textarea holds one page of the
//! text ([`super::pages`]); everything else about the edit (the whole text, which page is
//! shown, whether the reader typed, whether Ctrl+A selected everything) lives here, so the
//! paging and pasting decisions are tested natively and the web side only moves text in and
//! out of the textarea.
//!
//! Every method that reads the textarea's page takes it as `shown` (the textarea's value):
//! the document never holds a stale copy of what the reader typed.

use super::pages;

/// Pastes of more lines than this are spliced in by the document rather than by the
/// textarea: a textarea laying out a 40,000-line insert freezes the page.
pub const BIG_PASTE_LINES: usize = 500;

/// The editor's document: the whole text as of the page last shown, which page the textarea
/// holds, and that page's byte range in the text.
#[derive(Debug, Default)]
pub struct Doc {
    text: String,
    page: usize,
    range: (usize, usize),
    /// The reader typed since the editor last took the text from the state.
    pub dirty: bool,
    /// Ctrl+A was the last key: the next paste, delete or typing replaces the whole text.
    pub all: bool,
}

/// What the textarea must do after [`Doc::take`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Take {
    /// It already shows the text.
    Keep,
    /// Append the text's tail from this byte on (an op appended a line to a one-page text:
    /// re-setting a whole textarea would lose its scroll and cost a full layout).
    Append(usize),
    /// Show [`Doc::page_text`].
    Show,
}

/// A page turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Turn {
    /// To the page before (none before the first).
    Previous,
    /// To the page after (none after the last).
    Next,
}

impl Doc {
    /// The whole text as of the page last shown (the textarea may hold newer edits).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The page shown (0-based).
    pub fn page(&self) -> usize {
        self.page
    }

    /// How many pages the text has.
    pub fn pages(&self) -> usize {
        pages::pages(&self.text)
    }

    /// The page's first line number (1-based, in the whole text).
    pub fn first_line(&self) -> usize {
        pages::first_line(&self.text, self.page)
    }

    /// The text the textarea shows.
    pub fn page_text(&self) -> &str {
        &self.text[self.range.0..self.range.1]
    }

    /// The whole text with the textarea's page (`shown`) spliced back in.
    pub fn full(&self, shown: String) -> String {
        if self.range == (0, self.text.len()) {
            // One page: no need to copy the text around it.
            return shown;
        }
        pages::splice(&self.text, self.range, &shown)
    }

    /// Shows page `page` (clamped to the last one) of `text`; the textarea must then be set
    /// to [`Doc::page_text`].
    pub fn show(&mut self, text: String, page: usize) {
        let page = page.min(pages::pages(&text) - 1);
        self.range = pages::page_range(&text, page);
        self.text = text;
        self.page = page;
    }

    /// Takes the state's text `want`: an op that appended to a one-page text appends its line;
    /// a paged text shows the page it was on (the last one when the text grew at its end).
    pub fn take(&mut self, want: &str) -> Take {
        if self.text == want {
            return Take::Keep;
        }
        let one_page = pages::pages(want) == 1 && self.pages() == 1;
        let grew = !self.text.is_empty() && want.starts_with(self.text.as_str());
        if grew && one_page {
            let from = self.text.len();
            self.text = want.to_string();
            self.range = (0, self.text.len());
            return Take::Append(from);
        }
        let page = if grew { usize::MAX } else { self.page };
        self.show(want.to_string(), page);
        Take::Show
    }

    /// The reader's edit (`full`, with a page of `shown_len` bytes) is exactly what the state
    /// now holds (it was just applied): it is no longer an unapplied edit.
    pub fn applied(&mut self, full: String, shown_len: usize) {
        self.dirty = false;
        self.range.1 = self.range.0 + shown_len;
        self.text = full;
    }

    /// A key went down: Ctrl+A (or Cmd+A) marks the whole text selected (the textarea can
    /// only select its page); any other key but a lone modifier clears the mark.
    pub fn key(&mut self, key: &str, ctrl: bool) {
        if !matches!(key, "Control" | "Meta" | "Shift") {
            self.all = ctrl && key.eq_ignore_ascii_case("a");
        }
    }

    /// After Ctrl+A on a paged text, typing, deleting and pasting replace the whole text
    /// (which the textarea cannot: it holds one page).
    pub fn replaces_all(&self) -> bool {
        self.all && self.pages() > 1
    }

    /// Whether a paste of `text` is spliced in here rather than by the textarea.
    pub fn takes_paste(&self, text: &str) -> bool {
        self.replaces_all() || pages::line_count(text) > BIG_PASTE_LINES
    }

    /// Replaces the textarea's selection `[start, end)` (UTF-16 offsets into `shown`) with
    /// `with`, or after Ctrl+A the whole text, and shows the page where the insert starts.
    pub fn replace(&mut self, shown: &str, (start, end): (usize, usize), with: &str) {
        let whole = self.all && start == 0 && end == shown.encode_utf16().count();
        let (full, line) = if whole {
            (with.to_string(), 1)
        } else {
            let (bs, be) = (
                pages::byte_of_utf16(shown, start),
                pages::byte_of_utf16(shown, end),
            );
            let page = format!("{}{with}{}", &shown[..bs], &shown[be..]);
            let line = self.first_line() + shown[..bs].matches('\n').count();
            (pages::splice(&self.text, self.range, &page), line)
        };
        self.all = false;
        self.dirty = true;
        let page = pages::page_of_line(&full, line);
        self.show(full, page);
    }

    /// Turns the page, keeping the edits of this one (`shown`).
    pub fn turn(&mut self, shown: String, to: Turn) {
        let full = self.full(shown);
        let page = match to {
            Turn::Previous => self.page.saturating_sub(1),
            // The text may have lost pages on this one: `show` clamps to the last.
            Turn::Next => self.page + 1,
        };
        self.show(full, page);
    }

    /// Goes to line `line` of the whole text (the textarea holding `shown`): turns to its
    /// page when needed (true: the textarea must show [`Doc::page_text`]).
    pub fn go_to_line(&mut self, shown: String, line: usize) -> bool {
        let full = self.full(shown);
        let page = pages::page_of_line(&full, line);
        if page == self.page && pages::pages(&full) == self.pages() {
            return false;
        }
        self.show(full, page);
        true
    }

    /// Line `line` of the whole text as a line of the page shown (1-based).
    pub fn local_line(&self, line: usize) -> usize {
        line + 1 - self.first_line()
    }
}

/// What a `beforeinput` of type `input_type` (with `data`) puts in place of the selection,
/// when the document replaces the whole text: typing and new lines insert, deletes remove.
/// Other kinds (a paste, a drop, history) are left to their own handlers.
pub fn replacement(input_type: &str, data: Option<String>) -> Option<String> {
    if input_type.starts_with("delete") {
        Some(String::new())
    } else if input_type == "insertText" || input_type == "insertLineBreak" {
        Some(data.unwrap_or_else(|| "\n".to_string()))
    } else {
        None
    }
}

/// The pager as the page bar shows it: the page shown, the page count, the page's first
/// line. Changes exactly when the bar must re-render.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PagerView {
    /// The page shown (0-based).
    pub page: usize,
    /// How many pages.
    pub pages: usize,
    /// The page's first line (1-based).
    pub first: usize,
}

impl Default for PagerView {
    fn default() -> Self {
        PagerView {
            page: 0,
            pages: 1,
            first: 1,
        }
    }
}

impl PagerView {
    /// The pager of `doc`.
    pub fn of(doc: &Doc) -> Self {
        PagerView {
            page: doc.page(),
            pages: doc.pages(),
            first: doc.first_line(),
        }
    }

    /// Line `line` of the whole text as a line of the page shown, when it is on it.
    pub fn local(&self, line: usize) -> Option<usize> {
        let on_page =
            self.pages == 1 || (self.first..self.first + pages::PAGE_LINES).contains(&line);
        on_page.then(|| line + 1 - self.first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::pages::{PAGED_ABOVE, PAGE_LINES};

    fn text(n: usize) -> String {
        (1..=n).map(|i| format!("touch {i:x}\n")).collect()
    }

    /// A document showing `t` at `page`, as the textarea would after the state set it.
    fn doc(t: &str, page: usize) -> Doc {
        let mut d = Doc::default();
        d.show(t.to_string(), page);
        d
    }

    #[test]
    fn an_appended_line_is_appended_to_a_one_page_text_else_the_page_is_shown() {
        let mut d = Doc::default();
        assert_eq!(
            d.take("arch x86_64\n"),
            Take::Show,
            "the first text is shown"
        );
        assert_eq!(d.take("arch x86_64\n"), Take::Keep);
        assert_eq!(d.take("arch x86_64\ntouch 1\n"), Take::Append(12));
        assert_eq!(&d.text()[12..], "touch 1\n");
        assert_eq!(d.page_text(), d.text());
        // An edit that is not an append re-shows the text.
        assert_eq!(d.take("arch i386\n"), Take::Show);
        assert_eq!(d.page_text(), "arch i386\n");

        // A paged text that grew at its end shows its last page; one that changed
        // elsewhere stays on its page.
        let t = text(PAGED_ABOVE + 1);
        let mut d = doc(&t, 1);
        let grown = format!("{t}touch 99999\n");
        assert_eq!(d.take(&grown), Take::Show);
        assert_eq!(d.page(), d.pages() - 1);
        assert!(d.page_text().ends_with("touch 99999\n"));
        let t = text(PAGED_ABOVE + 10);
        let mut d = doc(&t, 1);
        assert_eq!(d.take(&t.replacen("touch 1\n", "", 1)), Take::Show);
        assert_eq!(d.page(), 1);
    }

    #[test]
    fn the_whole_text_splices_the_edited_page_back_in() {
        let t = text(PAGED_ABOVE + 10);
        let d = doc(&t, 2);
        assert_eq!(d.first_line(), 2 * PAGE_LINES + 1);
        let edited = d.page_text().replacen("touch", "# touch", 1);
        let full = d.full(edited);
        assert_eq!(full.len(), t.len() + 2);
        assert!(full.contains(&format!("\n# touch {:x}\n", 2 * PAGE_LINES + 1)));
        // A one-page text is the textarea's value itself.
        let d = doc("arch x86_64\n", 0);
        assert_eq!(d.full("arch i386\n".into()), "arch i386\n");
    }

    #[test]
    fn turning_pages_keeps_the_edits_of_the_page_left() {
        let t = text(PAGED_ABOVE + 10);
        let mut d = doc(&t, 0);
        let edited = format!("# mine\n{}", d.page_text());
        d.turn(edited, Turn::Next);
        assert_eq!(d.page(), 1);
        assert!(d.text().starts_with("# mine\ntouch 1\n"));
        // The first line moved down by one: page 1 starts one line earlier in the old text.
        assert!(d
            .page_text()
            .starts_with(&format!("touch {:x}\n", PAGE_LINES)));
        let shown = d.page_text().to_string();
        d.turn(shown, Turn::Previous);
        assert_eq!(d.page(), 0);
        d.turn(d.page_text().to_string(), Turn::Previous);
        assert_eq!(d.page(), 0, "no page before the first");
        for _ in 0..d.pages() + 1 {
            d.turn(d.page_text().to_string(), Turn::Next);
        }
        assert_eq!(d.page(), d.pages() - 1, "no page after the last");
    }

    #[test]
    fn ctrl_a_then_paste_or_typing_replaces_the_whole_paged_text() {
        let t = text(PAGED_ABOVE + 10);
        let mut d = doc(&t, 1);
        d.key("Control", true);
        assert!(!d.all, "a lone modifier changes nothing");
        d.key("a", true);
        assert!(d.all && d.replaces_all() && d.takes_paste("x"));
        let shown = d.page_text().to_string();
        let len = shown.encode_utf16().count();
        d.replace(&shown, (0, len), "arch i386\n");
        assert_eq!(
            (d.text(), d.page(), d.dirty, d.all),
            ("arch i386\n", 0, true, false)
        );

        // Without Ctrl+A a selection of the page is replaced in place.
        let mut d = doc(&t, 1);
        d.key("a", true);
        d.key("x", false);
        assert!(!d.replaces_all());
        let shown = d.page_text().to_string();
        let len = shown.encode_utf16().count();
        d.replace(&shown, (0, len), "# page one\n");
        assert_eq!(
            pages::line_count(d.text()),
            PAGED_ABOVE + 10 - PAGE_LINES + 1
        );
        assert!(d
            .text()
            .contains(&format!("touch {PAGE_LINES:x}\n# page one\n")));
    }

    #[test]
    fn a_big_paste_is_spliced_at_the_cursor_and_its_page_shown() {
        let mut d = doc("arch x86_64\ntouch 1\n", 0);
        let big = text(PAGED_ABOVE + 1);
        assert!(d.takes_paste(&big) && !d.takes_paste(&text(BIG_PASTE_LINES)));
        let shown = d.page_text().to_string();
        d.replace(&shown, (12, 12), &big);
        assert!(d.text().starts_with("arch x86_64\ntouch 1\ntouch 2\n"));
        assert!(d
            .text()
            .ends_with(&format!("touch {:x}\ntouch 1\n", PAGED_ABOVE + 1)));
        assert_eq!(
            (d.page(), d.pages()),
            (0, (PAGED_ABOVE + 3).div_ceil(PAGE_LINES))
        );
    }

    #[test]
    fn going_to_a_line_turns_to_its_page_and_places_it_on_the_page() {
        // Paged, with a fourth page.
        let t = text((PAGED_ABOVE + 10).max(4 * PAGE_LINES));
        let mut d = doc(&t, 0);
        let line = 3 * PAGE_LINES + 7;
        assert!(d.go_to_line(d.page_text().to_string(), line));
        assert_eq!((d.page(), d.local_line(line)), (3, 7));
        assert!(
            !d.go_to_line(d.page_text().to_string(), line + 1),
            "already there"
        );
        let view = PagerView::of(&d);
        assert_eq!(view.local(line), Some(7));
        assert_eq!(
            view.local(line - PAGE_LINES),
            None,
            "an error on another page"
        );
        assert_eq!(PagerView::default().local(9), Some(9));
    }

    #[test]
    fn an_applied_edit_is_no_longer_dirty() {
        let mut d = doc("arch x86_64\n", 0);
        d.dirty = true;
        d.applied("arch x86_64\ntouch 1\n".into(), 20);
        assert!(!d.dirty);
        assert_eq!(d.page_text(), "arch x86_64\ntouch 1\n");
    }

    #[test]
    fn before_input_kinds_map_to_their_replacement() {
        assert_eq!(
            replacement("deleteContentBackward", None),
            Some(String::new())
        );
        assert_eq!(
            replacement("insertText", Some("x".into())),
            Some("x".into())
        );
        assert_eq!(replacement("insertLineBreak", None), Some("\n".into()));
        assert_eq!(replacement("insertFromPaste", None), None);
    }
}
