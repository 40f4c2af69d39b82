//! The scenario editor's pages. A browser textarea lays out its whole text on every keystroke
//! (tens of milliseconds at 40,000 lines), so a text longer than [`PAGED_ABOVE`] lines is
//! edited one page of [`PAGE_LINES`] lines at a time: the textarea holds that page, the rest
//! of the text waits here, and every read of the whole text splices the page back in.

/// Texts with more lines than this are edited in pages.
///
/// Small, because the textarea's text is laid out again whenever it changes, keystroke or
/// not: an op appended to a big scenario, an undo or a preset re-sets the page shown, and a
/// page costs about as much layout per line as a keystroke does (measured in Chromium: tens
/// of milliseconds per thousand lines), which a 30 ms edit cannot afford beyond a few hundred.
pub const PAGED_ABOVE: usize = 1_000;
/// Lines per page.
pub const PAGE_LINES: usize = 500;

/// The lines of `text` (a final line without `\n` counts; an empty text has none).
pub fn line_count(text: &str) -> usize {
    let n = text.bytes().filter(|b| *b == b'\n').count();
    n + usize::from(!text.is_empty() && !text.ends_with('\n'))
}

/// How many pages `text` has (1 when it is not paged).
pub fn pages(text: &str) -> usize {
    let n = line_count(text);
    if n <= PAGED_ABOVE {
        1
    } else {
        n.div_ceil(PAGE_LINES)
    }
}

/// The page holding line `line` (1-based).
pub fn page_of_line(text: &str, line: usize) -> usize {
    if pages(text) == 1 {
        0
    } else {
        (line.max(1) - 1) / PAGE_LINES
    }
}

/// The first line (1-based) of page `page`.
pub fn first_line(text: &str, page: usize) -> usize {
    if pages(text) == 1 {
        1
    } else {
        page * PAGE_LINES + 1
    }
}

/// Byte offset where line `line` (0-based) starts (the text's length past its end).
fn line_start(text: &str, line: usize) -> usize {
    if line == 0 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line - 1)
        .map_or(text.len(), |(i, _)| i + 1)
}

/// The byte range `[start, end)` of page `page` (clamped to the last page): whole lines, the
/// last one with its `\n`.
pub fn page_range(text: &str, page: usize) -> (usize, usize) {
    let n = pages(text);
    if n == 1 {
        return (0, text.len());
    }
    let page = page.min(n - 1);
    let start = line_start(text, page * PAGE_LINES);
    let end = start + line_start(&text[start..], PAGE_LINES);
    (start, end)
}

/// `text` with its byte range `range` replaced by `page`.
pub fn splice(text: &str, range: (usize, usize), page: &str) -> String {
    let mut out = String::with_capacity(text.len() - (range.1 - range.0) + page.len());
    out.push_str(&text[..range.0]);
    out.push_str(page);
    out.push_str(&text[range.1..]);
    out
}

/// The byte offset of UTF-16 offset `u16_at` in `s` (what a textarea's selection gives).
pub fn byte_of_utf16(s: &str, u16_at: usize) -> usize {
    let mut units = 0;
    for (i, c) in s.char_indices() {
        if units >= u16_at {
            return i;
        }
        units += c.len_utf16();
    }
    s.len()
}

/// The UTF-16 offsets `[start, end)` of line `n` (1-based) of `text`, without its `\n`: what a
/// textarea's `setSelectionRange` takes to select the line.
pub fn line_span(text: &str, n: usize) -> Option<(u32, u32)> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn text(n: usize) -> String {
        (1..=n).map(|i| format!("touch {i:x}\n")).collect()
    }

    #[test]
    fn short_texts_are_one_page_long_ones_are_paged_by_whole_lines() {
        let t = text(PAGED_ABOVE);
        assert_eq!((pages(&t), page_range(&t, 3)), (1, (0, t.len())));
        let t = text(2 * PAGE_LINES + PAGED_ABOVE + 5);
        let n = pages(&t);
        assert_eq!(n, (2 * PAGE_LINES + PAGED_ABOVE + 5).div_ceil(PAGE_LINES));
        // The pages tile the text, each ends with a newline, each has PAGE_LINES lines but
        // the last.
        let mut at = 0;
        for p in 0..n {
            let (a, b) = page_range(&t, p);
            assert_eq!(a, at);
            assert!(t[a..b].ends_with('\n'));
            let lines = line_count(&t[a..b]);
            assert!(lines == PAGE_LINES || p == n - 1, "{p}: {lines}");
            assert!(t[a..b].starts_with(&format!("touch {:x}\n", first_line(&t, p))));
            at = b;
        }
        assert_eq!(at, t.len());
        assert_eq!(page_of_line(&t, PAGE_LINES), 0);
        assert_eq!(page_of_line(&t, PAGE_LINES + 1), 1);
        // Splicing an edited page back gives the whole edited text.
        let r = page_range(&t, 1);
        let edited = splice(&t, r, "# new\n");
        assert_eq!(line_count(&edited), line_count(&t) - PAGE_LINES + 1);
        assert!(edited.contains(&format!(
            "touch {:x}\n# new\ntouch {:x}\n",
            PAGE_LINES,
            2 * PAGE_LINES + 1
        )));
    }

    #[test]
    fn utf16_offsets_map_to_bytes() {
        let s = "a→b😀c";
        assert_eq!(byte_of_utf16(s, 0), 0);
        assert_eq!(byte_of_utf16(s, 1), 1);
        assert_eq!(byte_of_utf16(s, 2), 4);
        assert_eq!(byte_of_utf16(s, 3), 5);
        assert_eq!(byte_of_utf16(s, 5), 9);
        assert_eq!(byte_of_utf16(s, 99), s.len());
        assert_eq!(line_count(""), 0);
        assert_eq!(line_count("a"), 1);
        assert_eq!(line_count("a\nb\n"), 2);
        assert_eq!(line_span("a→\nb😀c\n", 1), Some((0, 2)));
        assert_eq!(line_span("a→\nb😀c\n", 2), Some((3, 7)));
        assert_eq!(line_span("a→\nb😀c\n", 3), Some((8, 8)));
        assert_eq!(line_span("a→\nb😀c\n", 4), None);
    }
}
