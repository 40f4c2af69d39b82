//! The Help panel: what the picture shows, the scenario language with examples, a glossary of
//! the kernel's terms (as 2.6.12 uses them), the keyboard keys, and links to the project's
//! book and to the commit this playground is about. Escape closes it.

use super::popup::use_escape_closes;
use crate::model::human_size;
use freepgt::{ArchId, Level};
use yew::prelude::*;

/// Where the project's documentation (the book) is served, relative to the playground.
pub const BOOK: &str = "book/index.html";
/// The book's chapter on the commit, case by case.
pub const BOOK_PATCH: &str = "book/patch/index.html";
/// The book's reference of the scenario language and report format.
pub const BOOK_REFERENCE: &str = "book/reference.html";

/// The scenario language: (command, what it does, an example line).
const COMMANDS: &[(&str, &str, &str)] = &[
    ("arch NAME", "First line: the architecture (its page size, levels, address space).", "arch x86_64"),
    ("kernel 2.6.12 | 2.6.11", "Optional, right after arch: which free algorithm runs (default 2.6.12, free_pgtables over the vma list; 2.6.11 is clear_page_range).", "kernel 2.6.11"),
    ("first_user_address HEX", "Optional header: FIRST_USER_ADDRESS, the floor of the lowest vma (0 unless given).", "first_user_address 1000"),
    ("config preempt | nopreempt", "Optional header (sparc64): CONFIG_PREEMPT sets how many ptes the zap leaves queued when the first flush_tlb_pgtables starts, which makes the batch count exact. Default nopreempt, as 2.6.12's sparc64 defconfig.", "config preempt"),
    ("max_map_count N", "Optional header, decimal: sysctl_max_map_count. A vma past it is refused as do_mmap_pgoff refuses it; a munmap that must split a vma at the limit fails in split_vma (ENOMEM) and frees nothing.", "max_map_count 65530"),
    ("vma START END [NAME]", "Maps [START, END): page aligned, no overlap, below TASK_SIZE (and outside sparc64's VA hole).", "vma 400000 452000 text"),
    ("touch ADDR", "A page fault at ADDR (inside a vma): allocates the missing tables down to the pte table.", "touch 400123"),
    ("touch START END", "Faults every page of [START, END).", "touch 400000 452000"),
    ("munmap START END", "do_munmap: splits the edge vmas, detaches those in the range, then unmap_region → free_pgtables with floor = the previous vma's end and ceiling = the next vma's start.", "munmap 651000 674000"),
    ("mmapfail START END", "A driver faults the range in, then its ->mmap() fails: 2.6.12 calls unmap_region on the never-linked vma.", "mmapfail 600000 601000"),
    ("zapfail START END", "The same, but only zap_page_range (2.6.11's path): leaves a table no vma leads to.", "zapfail a00000 a01000"),
    ("exit", "exit_mmap: free_pgtables over every vma, floor FIRST_USER_ADDRESS, ceiling 0, no flush_tlb_pgtables.", "exit"),
];

/// The glossary, in the playground's words (2.6.12 semantics).
const GLOSSARY: &[(&str, &str)] = &[
    ("pgd", "Page global directory: the top table, one per process (mm). Each entry covers PGDIR_SIZE of address space and points at a pud table (x86_64) or, with the pud level folded, straight at a pmd table (sparc64). It lives as long as the mm; free_pgtables only clears its entries."),
    ("pud", "Page upper directory, the level 2.6.11 added for four-level paging. A pud table covers PGDIR_SIZE, one entry per PUD_SIZE. Real on x86_64; folded on sparc64 (no pud tables: the pgd entry plays its part)."),
    ("pmd", "Page middle directory. A pmd table covers PUD_SIZE, one entry per PMD_SIZE, each pointing at a pte table."),
    ("pte table", "The lowest level: one page of page-table entries, each mapping one page. A pte table covers PMD_SIZE. 2.6.12 frees it when the walk's trimmed range meets its PMD block."),
    ("PMD_SIZE, PUD_SIZE, PGDIR_SIZE", "How much address space one entry maps at the pmd, pud and pgd level, i.e. the span of one pte, pmd and pud table. The ticks on the axis mark them; the table below gives them per arch."),
    ("floor", "The lowest address whose tables this free may touch: the end of the vma before the hole (or FIRST_USER_ADDRESS). free_pgd_range skips a first PMD block that starts below it, and frees a pmd or pud table only if the table's base (start & PUD_MASK or PGDIR_MASK) is not below the floor: below it, the table is shared with the previous vma."),
    ("ceiling", "The start of the vma after the hole, or 0 for none, where 0 means the top of the address space (so upper bounds are compared as end - 1 > ceiling - 1). free_pgd_range drops a last PMD block that reaches the ceiling's block, and a pmd or pud table whose walked range reaches past the ceiling (masked to the table's size) is kept: it is shared with the next vma. A nonzero ceiling that masks to 0 at some level keeps that level's table (in free_pgd_range itself: the call frees nothing), because 0 would then mean the top."),
    ("gather", "free_pgtables walks the detached vmas in order and joins each next vma that starts at most PMD_SIZE after the last one gathered into one free_pgd_range call; the call's ceiling is the start of the first vma not gathered (or the caller's ceiling)."),
    ("flush_tlb_pgtables", "Called once per free_pgd_range that gets past its early returns, with the trimmed range, except during exit (a full-mm teardown). Empty on x86_64; real on sparc64."),
    ("VPTE", "sparc64's virtually mapped page table: the ptes of user address v are readable at VPTE_BASE + (v >> 10), and the TLB caches those mappings. When tables go, flush_tlb_pgtables demaps one 8 KiB VPTE page per 8 MiB (PMD_SIZE) block of the range, queued in batches of 192. The playground assumes the batch is empty on entry."),
    ("orphan", "A table still linked from the pgd whose span meets no vma. 2.6.12 frees tables only where vmas lead its walk, so nothing will ever free it (until a new vma covers it); zapfail makes one, and exit then trips BUG_ON(nr_ptes)."),
    ("leak", "A table still allocated but unreachable: its parent table was freed while still pointing at it. The report keeps counting it in tables; the tree lists it under Leaked."),
];

/// The keyboard keys.
const KEYS: &[(&str, &str)] = &[
    (
        "← / →",
        "previous / next event of the walk (when focus is not in a text field)",
    ),
    (
        "↑ / ↓, Home / End",
        "move inside a list: the trace, the table tree, the vma list (each list is one Tab stop)",
    ),
    ("Enter / Space", "activate the focused row or button"),
    ("Tab / Shift+Tab", "next / previous control or list"),
    (
        "Ctrl+Z, Ctrl+Shift+Z (Ctrl+Y)",
        "undo, redo (outside text fields)",
    ),
    ("Escape", "close the Help or Share panel"),
];

fn sizes_table() -> Html {
    html! {
        <table class="help-sizes" id="help-sizes">
            <thead><tr><th scope="col">{ "arch" }</th><th scope="col">{ "page" }</th><th scope="col">{ "PMD_SIZE (pte table)" }</th>
                <th scope="col">{ "PUD_SIZE (pmd table)" }</th><th scope="col">{ "PGDIR_SIZE (pud table)" }</th></tr></thead>
            <tbody>
            { for ArchId::ALL.iter().map(|id| {
                let a = id.arch();
                let size = |l: Level| human_size(a.size(l) as u128);
                html! { <tr>
                    <th scope="row">{ id.name() }</th>
                    <td>{ human_size(a.page_size() as u128) }</td>
                    <td>{ size(Level::Pmd) }</td>
                    <td>{ if a.folded(Level::Pud) { format!("{} (pud folded: = PGDIR_SIZE)", size(Level::Pud)) } else { size(Level::Pud) } }</td>
                    <td>{ size(Level::Pgd) }</td>
                </tr> }
            }) }
            </tbody>
        </table>
    }
}

/// The Help button and its panel.
#[function_component(HelpPanel)]
pub fn help_panel() -> Html {
    let open = use_state(|| false);
    let button = use_node_ref();
    use_escape_closes(open.clone(), button.clone());
    let toggle = {
        let open = open.clone();
        Callback::from(move |_| open.set(!*open))
    };
    let close = {
        let (open, button) = (open.clone(), button.clone());
        Callback::from(move |_| {
            open.set(false);
            if let Some(b) = button.cast::<web_sys::HtmlElement>() {
                let _ = b.focus();
            }
        })
    };
    html! {
        <div class="help">
            <button type="button" id="help" ref={button} aria-expanded={(*open).to_string()} aria-controls="help-panel" onclick={toggle}>{ "? Help" }</button>
            if *open {
                <div class="help-panel" id="help-panel" role="region" aria-label="help">
                    <div class="help-head">
                        <h2>{ "Help" }</h2>
                        <button type="button" class="close" id="help-close" aria-label="close help (Escape)" onclick={close}>{ "×" }</button>
                    </div>
                    <p>{ "The picture is one process's user address space: vmas on top, then one row per page-table level showing each table's span, drawn as of the step you are at. Pick an operation and step through its walk to see which tables free_pgtables frees or keeps, and which floor or ceiling test decided." }</p>
                    <p class="help-links">
                        <a href={BOOK} id="help-book">{ "The freepgt playground book" }</a>{ " (how 2.6.12 frees page tables, with live examples) · commit " }
                        <a href={BOOK_PATCH} id="help-commit">{ "“freepgt: free_pgtables use vma list”" }</a>{ " (e0da382c, Hugh Dickins, Linux 2.6.12) · " }
                        <a href="docs/" id="help-embeds">{ "embedding scenarios in your own pages" }</a>
                    </p>
                    <h3>{ "Scenario language" }</h3>
                    <p class="small">{ "One command per line; # starts a comment (kept in your text); numbers are hexadecimal, 0x optional; ranges are [START, END), page aligned. An error names its line and changes nothing. The full reference, with every report line: " }
                        <a href={BOOK_REFERENCE} id="help-reference">{ "Scenario language and report format" }</a>{ "." }</p>
                    <div class="hscroll">
                    <table class="help-cmds" id="help-commands">
                        <thead><tr><th scope="col">{ "command" }</th><th scope="col">{ "what it does" }</th><th scope="col">{ "example" }</th></tr></thead>
                        <tbody>{ for COMMANDS.iter().map(|(c, what, ex)| html! {
                            <tr><th scope="row"><code>{ *c }</code></th><td>{ *what }</td><td><code>{ *ex }</code></td></tr>
                        }) }</tbody>
                    </table>
                    </div>
                    <p class="small">{ "Example: the middle of three vmas in one PMD block; unmapping the middle one frees nothing." }</p>
                    <pre class="help-example">{ "arch x86_64\nvma 400000 401000 a\nvma 402000 403000 b\nvma 404000 405000 c\ntouch 400000          # fault one page in each\ntouch 402000\ntouch 404000\nmunmap 402000 403000  # floor 0x401000, ceiling 0x404000: one 2 MiB block" }</pre>
                    <h3>{ "Glossary" }</h3>
                    <dl class="glossary" id="glossary">
                        { for GLOSSARY.iter().map(|(t, d)| html! { <><dt>{ *t }</dt><dd>{ *d }</dd></> }) }
                    </dl>
                    <div class="hscroll">{ sizes_table() }</div>
                    <h3>{ "Keyboard" }</h3>
                    <dl class="keys" id="help-keys">
                        { for KEYS.iter().map(|(k, d)| html! { <><dt><kbd>{ *k }</kbd></dt><dd>{ *d }</dd></> }) }
                    </dl>
                </div>
            }
        </div>
    }
}
