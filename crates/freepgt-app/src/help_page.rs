//! The Help panel's text lives in `web/help.html`, a static fragment Trunk copies into `dist/`
//! and the panel (`web/help.rs`) fetches the first time it opens: it is read by few visits, so
//! it is kept out of the wasm every visit downloads. This module names it and, natively, checks
//! that its arch sizes table says what the core's arches say.

/// Where the Help fragment is served, relative to the playground (`dist/help.html`).
pub const HELP_URL: &str = "help.html";

/// The `<table id="help-sizes">` Help shows: per arch, the page size and the span of one pte,
/// pmd and pud table (PMD_SIZE, PUD_SIZE, PGDIR_SIZE), as [`crate::model::human_size`] writes them.
pub fn sizes_table() -> String {
    use crate::model::human_size;
    use freepgt::{ArchId, Level};
    let mut out = String::from(
        "<table class=\"help-sizes\" id=\"help-sizes\">\n<thead><tr><th scope=\"col\">arch</th><th scope=\"col\">page</th><th scope=\"col\">PMD_SIZE (pte table)</th><th scope=\"col\">PUD_SIZE (pmd table)</th><th scope=\"col\">PGDIR_SIZE (pud table)</th></tr></thead>\n<tbody>\n",
    );
    for id in ArchId::ALL {
        let a = id.arch();
        let size = |l: Level| human_size(a.size(l) as u128);
        let pud = if a.folded(Level::Pud) {
            format!("{} (pud folded: = PGDIR_SIZE)", size(Level::Pud))
        } else {
            size(Level::Pud)
        };
        out += &format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{pud}</td><td>{}</td></tr>\n",
            id.name(),
            human_size(a.page_size() as u128),
            size(Level::Pmd),
            size(Level::Pgd),
        );
    }
    out + "</tbody>\n</table>"
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELP: &str = include_str!("../../../web/help.html");

    #[test]
    fn help_html_sizes_table_is_the_cores() {
        let want = sizes_table();
        assert!(
            HELP.contains(&want),
            "web/help.html's sizes table is stale; it should read:\n{want}"
        );
    }

    #[test]
    fn help_html_has_what_the_panel_and_tests_use() {
        for id in [
            "id=\"help-book\"",
            "id=\"help-commit\"",
            "id=\"help-reference\"",
            "id=\"help-commands\"",
            "id=\"glossary\"",
            "id=\"help-sizes\"",
            "id=\"help-keys\"",
        ] {
            assert!(HELP.contains(id), "{id}");
        }
        // Every command of the scenario language has its row.
        for cmd in [
            "arch NAME",
            "kernel 2.6.12",
            "first_user_address",
            "config preempt",
            "max_map_count N",
            "vma START END",
            "touch ADDR",
            "touch START END",
            "munmap START END",
            "mmapfail START END",
            "zapfail START END",
            "<code>exit</code>",
        ] {
            assert!(HELP.contains(cmd), "{cmd}");
        }
        // Links point where the book is built (scripts/build-book.sh).
        assert!(HELP.contains("href=\"book/index.html\""));
        assert!(HELP.contains("href=\"book/reference.html\""));
    }
}
