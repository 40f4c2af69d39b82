//! The playground's state and its one reducer. Pure Rust: builds and tests natively.
//!
//! Every change is an [`Action`]; [`State::reduce`] is the only place state changes (the
//! browser layer wraps it in yew's `Reducible`). The simulation is the core's: a [`Sim`]
//! ([`sim`]) is a scenario run by it, shared with the views as a [`SimRef`].

mod error;
mod sim;

pub use error::{AppError, Switch};
pub use sim::{ByPtr, Frame, Header, LastOp, MmRef, PendingLink, Sim, SimRef, REPORT_OPTS};

use freepgt::scenario::Command;
use freepgt::share::{Decoded, Shared, StepRef};
use freepgt::{AddrRange, ArchId, Kernel, Op, TableKey, VirtAddr};
use std::rc::Rc;

/// How many scenario texts undo keeps.
pub const UNDO_DEPTH: usize = 100;

/// How many of the most recent entries of each history stack also keep the scenario they ran
/// to, so that undo and redo of a recent change reopen it instead of re-running its text (a
/// big scenario's run holds megabytes: its mm and report; older entries keep their text only).
pub const KEEP_RUNS: usize = 8;

/// One entry of the undo or redo history: a scenario text as its author wrote it, and, for
/// the [`KEEP_RUNS`] most recent entries, the scenario it runs to.
#[derive(Clone, Debug)]
pub struct Past {
    /// The author's text.
    pub text: Rc<str>,
    /// Its run (`Sim::from_text(text)`), while the entry is recent.
    pub sim: Option<SimRef>,
}

/// Pushes `past` on a history stack: the stack keeps [`UNDO_DEPTH`] entries, and the runs of
/// the [`KEEP_RUNS`] most recent only.
fn push_past(stack: &mut Vec<Past>, past: Past) {
    stack.push(past);
    if stack.len() > UNDO_DEPTH {
        stack.remove(0);
    }
    let old = stack.len().saturating_sub(KEEP_RUNS);
    if let Some(p) = old.checked_sub(1).and_then(|i| stack.get_mut(i)) {
        p.sim = None;
    }
}

/// What a drag or click on the address axis does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    /// Drag to map a new vma.
    #[default]
    AddVma,
    /// Click to fault a page.
    Fault,
    /// Drag to select a range (then munmap / populate / mmapfail / zapfail it).
    Select,
    /// Drag to zoom into a region.
    Zoom,
}

impl Mode {
    /// All modes in toolbar order.
    pub const ALL: [Mode; 4] = [Mode::AddVma, Mode::Fault, Mode::Select, Mode::Zoom];

    /// A short label.
    pub fn label(self) -> &'static str {
        match self {
            Mode::AddVma => "Drag: add vma",
            Mode::Fault => "Click: fault page",
            Mode::Select => "Drag: select range",
            Mode::Zoom => "Drag: zoom",
        }
    }

    /// A stable id for the DOM.
    pub fn id(self) -> &'static str {
        match self {
            Mode::AddVma => "add",
            Mode::Fault => "fault",
            Mode::Select => "select",
            Mode::Zoom => "zoom",
        }
    }
}

/// Every change to the playground.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Replace the scenario with this text (from the text panel, a preset or autosave).
    ApplyText(String),
    /// Load a preset by id.
    LoadPreset(String),
    /// Switch arch (re-runs).
    SetArch(ArchId),
    /// Switch kernel (re-runs).
    SetKernel(Kernel),
    /// Append an operation.
    Push(Op),
    /// Undo the last scenario change.
    Undo,
    /// Redo.
    Redo,
    /// Axis mode.
    SetMode(Mode),
    /// Zoom to `[start, end)` (None: whole address space).
    Zoom(Option<AddrRange>),
    /// Select a range on the axis.
    Select(Option<AddrRange>),
    /// Show why a table was freed or kept.
    Inspect(Option<TableKey>),
    /// Expand or collapse a merged run of tables.
    ToggleRun(TableKey),
    /// Hide the notice.
    DismissNotice,
    /// Show a notice (e.g. a link that could not be opened).
    Notice(AppError),
    /// Show a step: command N (index into the scenario's commands) and optionally trace event
    /// M of it. `None` shows the last operation.
    SetStep(Option<StepRef>),
    /// Show 2.6.11 and 2.6.12 side by side.
    SetCompare(bool),
    /// Open a share link's state (on load, or on browser back/forward). A link that decoded
    /// but does not run is refused with a notice; nothing changes.
    OpenLink(Shared),
}

/// The link of a scenario (its author's text, see [`State::source_text`]) shown at `step`,
/// embedded or not, compared or not.
pub fn link(text: &str, step: Option<StepRef>, embed: bool, compare: bool) -> Shared {
    Shared {
        text: text.to_string(),
        step,
        embed,
        compare,
        example: None,
    }
}

/// The whole playground state.
#[derive(Clone, Debug)]
pub struct State {
    /// The current scenario, run.
    pub sim: SimRef,
    /// Earlier scenario texts (most recent last).
    pub undo: Vec<Past>,
    /// Undone scenario texts (most recent last).
    pub redo: Vec<Past>,
    /// Bumped whenever `sim` changes (the text panel resets its draft then).
    pub revision: u64,
    /// A refused edit's error (`error line N: ...`), shown beside the controls.
    pub notice: Option<AppError>,
    /// A refused text apply's error, shown beside the scenario text.
    pub text_error: Option<AppError>,
    /// Axis mode.
    pub mode: Mode,
    /// Zoomed range.
    pub zoom: Option<AddrRange>,
    /// Selected range.
    pub selection: Option<AddrRange>,
    /// The table whose explanation is shown.
    pub inspected: Option<TableKey>,
    /// Expanded runs (by their first table).
    pub expanded: Vec<TableKey>,
    /// The step shown (from a link or the step-through controls); `None` = the last op.
    pub step: Option<StepRef>,
    /// Compare mode: the scenario under both kernels.
    pub compare: bool,
    /// Embed mode (from the link; never changed by an action): no editing chrome.
    pub embed: bool,
    /// The scenario as its author wrote it (comments, blank lines, number spelling), when that
    /// differs from the canonical `sim.text`. The editor, the autosave, undo and share links
    /// carry it, so Apply never deletes a comment; edits made elsewhere (forms, drags, the
    /// arch and kernel selectors) are written into it. See [`State::source_text`].
    pub source: Option<Rc<str>>,
    /// A text for the editor that is not the current scenario: the scenario of a link that
    /// does not run, shown with its error (`text_error`) so that nothing of the link is lost.
    pub draft: Option<Rc<str>>,
    /// Leave the address bar as it is: a link that could not be opened stays exactly as given
    /// until the scenario, the step or the mode changes.
    pub hold_url: bool,
    /// A first visit (no autosave, no link): the page opened on the guided preset and says in
    /// one line what the picture shows, until the scenario changes.
    pub intro: bool,
}

impl Default for State {
    fn default() -> Self {
        State::new(Sim::default())
    }
}

impl State {
    /// A state showing `sim`, with empty history.
    pub fn new(sim: Sim) -> Self {
        State {
            sim: SimRef::new(sim),
            undo: Vec::new(),
            redo: Vec::new(),
            revision: 0,
            notice: None,
            text_error: None,
            mode: Mode::default(),
            zoom: None,
            selection: None,
            inspected: None,
            expanded: Vec::new(),
            step: None,
            compare: false,
            embed: false,
            source: None,
            draft: None,
            hold_url: false,
            intro: false,
        }
    }

    /// Selecting another operation zooms the picture to it (see [`op_zoom`]).
    fn zoom_to_new_op(&mut self, old_op: Option<usize>) {
        let new_op = self_step_op(&self.step, self.sim.header_lines());
        if new_op != old_op {
            if let Some(k) = new_op {
                self.zoom = op_zoom(&self.sim, k);
            }
        }
    }

    /// The preset a first visit opens on.
    pub const FIRST_VISIT_PRESET: &'static str = "middle-of-three";

    /// A first visit: the middle of three vmas, at its munmap's `free_pgd_range` call, the
    /// step before the trims that leave it nothing to free (→ walks on from there).
    pub fn first_visit() -> Self {
        let mut s = State::default().reduce(Action::LoadPreset(Self::FIRST_VISIT_PRESET.into()));
        s.undo.clear();
        s.revision = 0;
        let sim = &s.sim;
        let telling = sim
            .ops
            .iter()
            .rposition(|op| matches!(op, Op::Munmap { .. }))
            .and_then(|k| {
                let i = sim.outcomes[k]
                    .events
                    .iter()
                    .position(|e| matches!(e, freepgt::Event::FreePgdRange { .. }))?;
                Some(StepRef {
                    command: sim.header_lines() + k,
                    event: Some(i),
                })
            });
        s.step = telling;
        s.zoom = telling.and_then(|t| op_zoom(&s.sim, t.command - s.sim.header_lines()));
        s.intro = true;
        s
    }

    /// The scenario text as its author wrote it: what the editor shows, the autosave keeps
    /// and a link carries. Runs to exactly `sim` (its canonical form is `sim.text`).
    pub fn source_text(&self) -> &str {
        self.source.as_deref().unwrap_or(&self.sim.text)
    }

    /// Keeps `text` as the source of the current sim if it says more than the canonical text.
    fn set_source(&mut self, text: &str) {
        self.source = (text != self.sim.text).then(|| text.into());
    }

    /// Writes an edit made outside the editor into the author's text, keeping every comment:
    /// `edit` rewrites the source; the result is kept only if it parses to exactly the new
    /// canonical text (otherwise the canonical text is all there is).
    fn rewrite_source(&mut self, old_source: Option<Rc<str>>, edit: impl FnOnce(&str) -> String) {
        self.source = old_source.and_then(|src| {
            let text = edit(&src);
            let same = freepgt::Scenario::parse(&text).is_ok_and(|p| p.to_text() == self.sim.text);
            (same && text != self.sim.text).then(|| text.into())
        });
    }

    /// Writes an op appended by a form or a drag into the author's text: the canonical line
    /// after its last line. No re-parse (a big text's would cost a parse per op): the author's
    /// text runs to the old scenario line for line, so with one more whole line it runs to the
    /// old scenario plus that op, which is the new one (checked in debug builds).
    fn append_to_source(&mut self, old_source: Option<Rc<str>>, op: &Op) {
        self.source = old_source.map(|src| {
            let sep = if src.is_empty() || src.ends_with('\n') {
                ""
            } else {
                "\n"
            };
            let text = format!("{src}{sep}{}\n", Command::Op { op: op.clone() });
            debug_assert!(
                freepgt::Scenario::parse(&text).is_ok_and(|p| p.to_text() == self.sim.text)
            );
            text.into()
        });
    }

    /// Starts from a link fragment if there is one, else from the autosaved text. A bad link
    /// falls back to the autosave and says why in the notice (never a blank page). A compact
    /// link's text must be inflated first: then the autosave shows until the caller has
    /// inflated it and dispatched [`Action::OpenLink`] (see [`PendingLink`]).
    pub fn open(fragment: Option<&str>, saved: Option<&str>) -> (Self, Option<PendingLink>) {
        let fragment = fragment
            .map(|f| f.trim_start_matches('#'))
            .filter(|f| !f.is_empty());
        let Some(fragment) = fragment else {
            return match saved {
                None => (State::first_visit(), None),
                Some(_) => (State::restore(saved), None),
            };
        };
        match freepgt::share::decode_start(fragment) {
            Ok(Decoded::Ready(link)) => (State::opened(link, saved), None),
            Ok(Decoded::NeedsInflate { deflated, rest }) => {
                let mut s = State::restore(saved);
                // Until the text is inflated and opened, the address bar keeps the link.
                s.hold_url = true;
                s.embed = rest.embed;
                if s.embed {
                    s.mode = Mode::Zoom;
                }
                (s, Some(PendingLink { deflated, rest }))
            }
            Err(e) => (State::restore(saved).with_link_error(e), None),
        }
    }

    /// The state of a decoded link. A link whose scenario does not run opens the autosave, with
    /// the link's text in the editor, its error on its line, and the address bar left as given.
    pub fn opened(link: Shared, saved: Option<&str>) -> Self {
        let embed = link.embed;
        let mut s = State::restore(saved).reduce(Action::OpenLink(link));
        s.undo.clear();
        s.embed = embed;
        if embed {
            // Dragging on an embedded axis zooms; it never edits.
            s.mode = Mode::Zoom;
        }
        s
    }

    /// This state with a notice that a link could not be opened.
    pub fn with_link_error(mut self, e: freepgt::share::ShareError) -> Self {
        self.notice = Some(AppError::LinkUnreadable(e));
        self.hold_url = true;
        self
    }

    /// The state a link carries.
    pub fn link(&self) -> Shared {
        link(self.source_text(), self.step, self.embed, self.compare)
    }

    /// Starts from saved text; falls back to the default on any error.
    pub fn restore(saved: Option<&str>) -> Self {
        let text = match saved {
            Some(t) if Sim::from_text(t).is_ok() => t.to_string(),
            _ => match freepgt::presets::find("typical") {
                Some(p) => p.text(),
                None => return State::default(),
            },
        };
        match Sim::from_text(&text) {
            Ok(sim) => {
                let mut s = State::new(sim);
                s.set_source(&text);
                s
            }
            Err(_) => State::default(),
        }
    }

    /// Replaces the scenario with `sim`, whose author's text is `source` (undo keeps the old
    /// author's text).
    fn replace_with(&mut self, sim: Sim, source: &str) {
        self.replace(sim);
        self.set_source(source);
    }

    fn replace(&mut self, sim: Sim) {
        let old = Past {
            text: self.source_text().into(),
            sim: Some(self.sim.clone()),
        };
        self.source = None;
        if old.text.as_ref() != sim.text {
            push_past(&mut self.undo, old);
            self.redo.clear();
        }
        self.sim = SimRef::new(sim);
        self.after_change();
    }

    fn after_change(&mut self) {
        self.revision += 1;
        self.notice = None;
        self.text_error = None;
        self.draft = None;
        self.intro = false;
        self.inspected = None;
        // A step into the old scenario means nothing in the new one.
        self.step = None;
        // A zoom or selection outside the new address space would be meaningless.
        if let Some(mm) = &self.sim.mm {
            let top = mm.arch().task_size;
            if self.zoom.is_some_and(|r| r.end.as_u64() > top) {
                self.zoom = None;
            }
            if self.selection.is_some_and(|r| r.end.as_u64() > top) {
                self.selection = None;
            }
        }
    }

    /// Undo (`back`) or redo: reopens the scenario at the top of one history stack (its kept
    /// run, else its text run again) and pushes the current one on the other.
    fn travel(&mut self, back: bool) {
        let current = Past {
            text: self.source_text().into(),
            sim: Some(self.sim.clone()),
        };
        let (from, to) = if back {
            (&mut self.undo, &mut self.redo)
        } else {
            (&mut self.redo, &mut self.undo)
        };
        let Some(past) = from.pop() else {
            return;
        };
        let run = match &past.sim {
            Some(sim) => Ok(sim.clone()),
            None => Sim::from_text(&past.text).map(SimRef::new),
        };
        match run {
            Ok(sim) => {
                push_past(to, current);
                self.sim = sim;
                self.set_source(&past.text);
                self.after_change();
            }
            Err(e) => {
                from.push(past);
                self.notice = Some(e);
            }
        }
    }

    /// The reducer: the only place state changes.
    pub fn reduce(&self, action: Action) -> State {
        let mut s = self.clone();
        // An embed shows a scenario; it does not edit one ("Open in playground" does).
        let edits = matches!(
            action,
            Action::Push(_)
                | Action::ApplyText(_)
                | Action::LoadPreset(_)
                | Action::SetArch(_)
                | Action::SetKernel(_)
                | Action::Undo
                | Action::Redo
                | Action::SetMode(_)
        );
        if s.embed && edits {
            return s;
        }
        s.apply(action);
        // The address bar follows again once the link it holds no longer describes the page.
        if s.revision != self.revision || s.step != self.step || s.compare != self.compare {
            s.hold_url = false;
        }
        s
    }

    /// Applies one action in place (the body of [`State::reduce`]).
    fn apply(&mut self, action: Action) {
        let s = self;
        let old_source = s.source.clone();
        let old_step = s.step;
        let hl = s.sim.header_lines();
        match action {
            Action::ApplyText(text) => match Sim::from_text(&text) {
                Ok(sim) => {
                    s.replace_with(sim, &text);
                    s.zoom = None;
                    s.selection = None;
                    s.expanded.clear();
                }
                Err(e) => s.text_error = Some(e),
            },
            Action::LoadPreset(id) => match freepgt::presets::find(&id) {
                Some(p) => match Sim::from_text(&p.text()) {
                    Ok(sim) => {
                        s.replace_with(sim, &p.text());
                        s.zoom = None;
                        s.selection = None;
                        s.expanded.clear();
                    }
                    Err(e) => s.notice = Some(e),
                },
                None => s.notice = Some(AppError::NoPreset(id)),
            },
            Action::SetArch(arch) => {
                let header = Header {
                    arch: Some(arch),
                    ..s.sim.header
                };
                match s.sim.with_header(header) {
                    Ok(sim) => {
                        s.replace(sim);
                        s.rewrite_source(old_source, |t| set_header_line(t, "arch", arch.name()));
                        s.zoom = None;
                        s.selection = None;
                    }
                    Err(e) => {
                        s.notice = Some(AppError::Switch {
                            to: Switch::Arch(arch),
                            error: Box::new(e),
                        })
                    }
                }
            }
            Action::SetKernel(kernel) => {
                let header = Header {
                    kernel: Some(kernel),
                    ..s.sim.header
                };
                match s.sim.with_header(header) {
                    Ok(sim) => {
                        s.replace(sim);
                        s.rewrite_source(old_source, |t| {
                            set_header_line(t, "kernel", kernel.name())
                        });
                    }
                    Err(e) => {
                        s.notice = Some(AppError::Switch {
                            to: Switch::Kernel(kernel),
                            error: Box::new(e),
                        })
                    }
                }
            }
            Action::Push(op) => match s.sim.push(op.clone()) {
                Ok(sim) => {
                    s.replace(sim);
                    s.append_to_source(old_source, &op);
                }
                Err(e) => s.notice = Some(e),
            },
            Action::Undo => s.travel(true),
            Action::Redo => s.travel(false),
            Action::SetMode(m) => s.mode = m,
            Action::Zoom(z) => s.zoom = z.filter(|r| r.start < r.end),
            Action::Select(r) => s.selection = r.filter(|r| r.start < r.end),
            Action::Inspect(k) => s.inspected = k,
            Action::ToggleRun(k) => {
                if let Some(i) = s.expanded.iter().position(|e| *e == k) {
                    s.expanded.remove(i);
                } else {
                    s.expanded.push(k);
                }
            }
            Action::DismissNotice => s.notice = None,
            Action::Notice(n) => s.notice = Some(n),
            Action::SetStep(step) => {
                s.step = step.filter(|st| st.command < s.sim.header_lines() + s.sim.ops.len());
                s.zoom_to_new_op(self_step_op(&old_step, hl));
            }
            Action::SetCompare(on) => s.compare = on,
            Action::OpenLink(link) => {
                if link.text != s.source_text() {
                    match Sim::from_text(&link.text) {
                        Ok(sim) => {
                            s.replace_with(sim, &link.text);
                            s.zoom = None;
                            s.selection = None;
                            s.expanded.clear();
                        }
                        Err(e) => {
                            // Nothing of the link is lost: its text goes to the editor with
                            // the error on its line, the address bar keeps the link.
                            s.notice = Some(AppError::LinkRefused(Box::new(e.clone())));
                            s.text_error = Some(e);
                            s.draft = Some(link.text.as_str().into());
                            s.hold_url = true;
                            return;
                        }
                    }
                }
                s.step = link
                    .step
                    .filter(|st| st.command < s.sim.header_lines() + s.sim.ops.len());
                s.zoom_to_new_op(self_step_op(&old_step, hl));
                s.compare = link.compare;
            }
        }
    }
}

/// The op a step shows (None: no step, or a header line).
fn self_step_op(step: &Option<StepRef>, header_lines: usize) -> Option<usize> {
    step.and_then(|st| st.command.checked_sub(header_lines))
}

/// The range the picture zooms to when operation `k` is selected: the op's own range and the
/// floor and ceiling its walks were given (nonzero ones: 0 is an end of the space), padded by
/// a quarter on each side and rounded to pages, so small vmas and their neighbours are
/// readable. `None` (the whole space) for exit and for ops with nothing to show.
pub fn op_zoom(sim: &Sim, k: usize) -> Option<AddrRange> {
    let arch = sim.header.arch?.arch();
    let page = arch.page_size();
    let (mut lo, mut hi) = match sim.ops.get(k)? {
        Op::Exit => return None,
        Op::Touch { addr } => {
            let p = addr.as_u64() / page * page;
            (p, p + page)
        }
        Op::Vma { range, .. }
        | Op::TouchRange { range }
        | Op::Munmap { range }
        | Op::MmapFail { range }
        | Op::ZapFail { range } => (range.start.as_u64(), range.end.as_u64()),
    };
    for e in &sim.outcomes.get(k)?.events {
        let (floor, ceiling) = match e {
            freepgt::Event::UnmapRegion { floor, ceiling, .. }
            | freepgt::Event::FreePgdRange { floor, ceiling, .. } => {
                (floor.addr().as_u64(), ceiling.addr().as_u64())
            }
            _ => continue,
        };
        if floor != 0 {
            lo = lo.min(floor);
        }
        if ceiling != 0 {
            hi = hi.max(ceiling);
        }
    }
    let pad = ((hi - lo) / 4).div_ceil(page).max(1) * page;
    let top = arch.task_size;
    let lo = lo.saturating_sub(pad) / page * page;
    let hi = hi.saturating_add(pad).min(top);
    (lo < hi && (lo, hi) != (0, top)).then(|| AddrRange::new(VirtAddr::new(lo), VirtAddr::new(hi)))
}

/// The author's text with its `keyword` header line (`arch`, `kernel`) set to `value`: the
/// command part of an existing line is replaced (a trailing comment stays); a missing `kernel`
/// line goes right after `arch`.
fn set_header_line(text: &str, keyword: &str, value: &str) -> String {
    let command = |l: &str| l.split('#').next().unwrap_or("").trim().to_string();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let word = |l: &str| command(l).split_whitespace().next().map(str::to_string);
    if let Some(i) = lines
        .iter()
        .position(|l| word(l).as_deref() == Some(keyword))
    {
        let comment = lines[i].find('#').map(|k| lines[i][k..].to_string());
        lines[i] = match comment {
            Some(c) => format!("{keyword} {value} {c}"),
            None => format!("{keyword} {value}"),
        };
    } else if let Some(i) = lines
        .iter()
        .position(|l| word(l).as_deref() == Some("arch"))
    {
        lines.insert(i + 1, format!("{keyword} {value}"));
    } else {
        return text.to_string();
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use freepgt::{Level, VirtAddr};

    fn r(a: u64, b: u64) -> AddrRange {
        AddrRange::new(VirtAddr::new(a), VirtAddr::new(b))
    }

    #[test]
    fn header_settings_reach_the_mm() {
        // ARM's FIRST_USER_ADDRESS (one page) applies without a header line, and config and
        // max_map_count lines are kept, counted and obeyed.
        let text =
            "arch arm\nconfig preempt\nmax_map_count 1\nvma 0x1000 0x2000\nvma 0x3000 0x4000\n";
        let sim = Sim::from_text(text).unwrap();
        assert_eq!(sim.text, text);
        assert_eq!(sim.header_lines(), 3);
        assert_eq!(sim.report, freepgt::report::report(text, REPORT_OPTS).0);
        let mm = sim.mm.as_ref().unwrap();
        assert_eq!(mm.first_user_address(), VirtAddr::new(0x1000));
        assert_eq!(mm.max_map_count(), 1);
        assert!(Sim::from_text("arch arm\nvma 0 1000\n")
            .unwrap_err()
            .to_string()
            .contains("below FIRST_USER_ADDRESS 0x1000"));
        // map_count 2 > 1: the third vma is refused, naming the line it would take.
        assert_eq!(
            sim.push(Op::Vma {
                range: r(0x5000, 0x6000),
                name: None
            })
            .unwrap_err()
            .to_string(),
            "error line 6: do_mmap_pgoff fails with ENOMEM: map_count 2 > max_map_count 1"
        );
    }

    #[test]
    fn report_equals_the_core_report_for_every_preset() {
        for p in freepgt::presets::ALL {
            // The large preset is slow in a debug build; a smaller one of the same shape.
            let text = match p.id {
                "large" => freepgt::presets::large_process(60),
                _ => p.text(),
            };
            let sim = Sim::from_text(&text).unwrap();
            let (want, err) = freepgt::report::report(&text, REPORT_OPTS);
            assert!(err.is_none());
            assert_eq!(sim.report, want, "{}", p.id);
            // The canonical text gives the same report.
            assert_eq!(freepgt::report::report(&sim.text, REPORT_OPTS).0, want);
        }
    }

    #[test]
    fn pushing_ops_equals_running_the_text() {
        let s = State::default();
        let s = s.reduce(Action::Push(Op::Vma {
            range: r(0x400000, 0x401000),
            name: Some("text".into()),
        }));
        let s = s.reduce(Action::Push(Op::Touch {
            addr: VirtAddr::new(0x400123),
        }));
        let s = s.reduce(Action::Push(Op::Munmap {
            range: r(0x400000, 0x401000),
        }));
        assert!(s.notice.is_none(), "{:?}", s.notice);
        let (want, _) = freepgt::report::report(&s.sim.text, REPORT_OPTS);
        assert_eq!(s.sim.report, want);
        let freed = freepgt::report::freed_tables(s.sim.last().unwrap().outcome);
        assert_eq!(freed[0], (Level::Pte, VirtAddr::new(0x400000)));
    }

    #[test]
    fn a_refused_op_changes_nothing_and_names_its_line() {
        let s = State::default().reduce(Action::Push(Op::Touch {
            addr: VirtAddr::new(0x400000),
        }));
        assert_eq!(s.sim.ops.len(), 0);
        assert!(s
            .notice
            .as_ref()
            .unwrap()
            .to_string()
            .starts_with("error line 2: "));
        assert!(s.undo.is_empty());
    }

    #[test]
    fn links_open_with_step_and_modes_and_bad_links_fall_back() {
        let saved = "arch sparc64\nvma 10000 12000 saved\n";
        let frag = "v=1&s=arch%20x86_64%0Avma%20400000%20401000%0Atouch%20400000%0A&step=2.1&compare=1&embed=1";
        let (s, pending) = State::open(Some(frag), Some(saved));
        assert!(pending.is_none());
        assert!(s.notice.is_none(), "{:?}", s.notice);
        assert_eq!(s.sim.ops.len(), 2);
        assert_eq!(
            s.step,
            Some(StepRef {
                command: 2,
                event: Some(1)
            })
        );
        assert!(s.compare && s.embed);
        // An embed does not edit.
        assert_eq!(s.mode, Mode::Zoom);
        let still = s.reduce(Action::Push(Op::Exit));
        assert_eq!(still.sim.ops.len(), 2);
        // A compact link opens the same state once inflated; the autosave shows meanwhile.
        let mut big = s.link();
        big.text = freepgt::presets::find("typical").unwrap().text();
        let frag = freepgt::share::encode(&big);
        assert!(frag.contains("&z="));
        let (waiting, pending) = State::open(Some(&frag), Some(saved));
        assert!(waiting.sim.text.contains("saved") && waiting.embed);
        let pending = pending.expect("a compact link needs inflating");
        let inflated = freepgt::share::inflate(&pending.deflated).unwrap();
        let link = freepgt::share::finish(pending.rest, inflated).unwrap();
        let opened = waiting.reduce(Action::OpenLink(link));
        assert!(opened.sim.text.contains("vma 0x400000 0x452000 text"));
        assert_eq!((opened.step, opened.compare), (s.step, s.compare));
        // Corrupt, truncated or invalid links fall back to the autosave, with a notice.
        for bad in [
            "v=1&z=***",
            "v=2&s=x",
            "v=1&s=arch%20x86_64%0Atouch%200",
            "v=1&s=arch%20vax",
        ] {
            let (s, _) = State::open(Some(bad), Some(saved));
            assert!(s.sim.text.contains("saved"), "{bad}");
            assert!(
                s.notice
                    .as_ref()
                    .unwrap()
                    .to_string()
                    .starts_with("cannot open the link"),
                "{bad}"
            );
        }
        // No fragment: the autosave.
        assert!(State::open(Some("#"), Some(saved))
            .0
            .sim
            .text
            .contains("saved"));
    }

    #[test]
    fn a_bad_text_changes_nothing() {
        let s = State::default();
        let before = s.sim.text.clone();
        let s = s.reduce(Action::ApplyText("arch x86_64\nvma 400000 400800\n".into()));
        assert_eq!(s.sim.text, before);
        assert!(s
            .text_error
            .as_ref()
            .unwrap()
            .to_string()
            .starts_with("error line 2: "));
        let s = s.reduce(Action::ApplyText("arch x86_64\ntouch 400000\n".into()));
        assert!(s
            .text_error
            .as_ref()
            .unwrap()
            .to_string()
            .starts_with("error line 2: "));
        let s = s.reduce(Action::ApplyText("arch mips\n".into()));
        assert!(s
            .text_error
            .as_ref()
            .unwrap()
            .to_string()
            .starts_with("error line 1: "));
        assert_eq!(s.sim.text, before);
    }

    #[test]
    fn undo_and_redo_walk_the_history() {
        let s0 = State::default();
        let s1 = s0.reduce(Action::Push(Op::Vma {
            range: r(0x400000, 0x401000),
            name: None,
        }));
        let s2 = s1.reduce(Action::SetKernel(Kernel::V2_6_11));
        assert!(s2.sim.text.contains("kernel 2.6.11"));
        let u1 = s2.reduce(Action::Undo);
        assert_eq!(u1.sim.text, s1.sim.text);
        let u0 = u1.reduce(Action::Undo);
        assert_eq!(u0.sim.text, s0.sim.text);
        let r1 = u0.reduce(Action::Redo).reduce(Action::Redo);
        assert_eq!(r1.sim.text, s2.sim.text);
        // A new edit clears redo.
        let n = u1.reduce(Action::Push(Op::Exit));
        assert!(n.redo.is_empty());
    }

    #[test]
    fn undo_and_redo_reopen_recent_runs_and_rerun_older_texts() {
        // A history deeper than KEEP_RUNS: each entry a vma more.
        let mut states = vec![State::default()];
        for i in 0..(KEEP_RUNS as u64 + 4) {
            let s = states.last().unwrap().reduce(Action::Push(Op::Vma {
                range: r(0x400000 + i * 0x2000, 0x401000 + i * 0x2000),
                name: None,
            }));
            states.push(s);
        }
        let top = states.last().unwrap().clone();
        assert_eq!(top.undo.len(), states.len() - 1);
        assert_eq!(
            top.undo.iter().filter(|p| p.sim.is_some()).count(),
            KEEP_RUNS
        );
        // Undo all the way: each state equals the one it returns to; the recent ones are the
        // very same runs (no re-run), the older ones re-run to equal reports.
        let mut s = top.clone();
        // The run shown at each state on the way down (by index into `states`).
        let mut shown = vec![top.sim.clone(); states.len()];
        for (depth, want) in states.iter().rev().skip(1).enumerate() {
            s = s.reduce(Action::Undo);
            shown[states.len() - 2 - depth] = s.sim.clone();
            assert!(s.notice.is_none(), "{:?}", s.notice);
            assert_eq!(s.sim.text, want.sim.text);
            assert_eq!(s.sim.report, want.sim.report);
            assert_eq!(
                s.sim.mm.as_ref().unwrap().counts(),
                want.sim.mm.as_ref().unwrap().counts()
            );
            assert_eq!(s.sim == want.sim, depth < KEEP_RUNS, "depth {depth}");
        }
        assert!(s.undo.is_empty());
        // Redo: the runs undo pushed are reopened as they were, the recent ones by identity.
        let mut back = Vec::new();
        for (depth, want) in states.iter().skip(1).enumerate() {
            back.push(s.sim.clone());
            s = s.reduce(Action::Redo);
            assert_eq!(s.sim.report, want.sim.report);
            assert_eq!(
                s.sim == shown[depth + 1],
                depth < KEEP_RUNS,
                "depth {depth}"
            );
        }
        assert_eq!(s.sim.text, top.sim.text);
        assert!(s.redo.is_empty());
        let u = s.reduce(Action::Undo);
        assert!(u.sim == *back.last().unwrap());
    }

    #[test]
    fn switching_arch_reruns_or_refuses() {
        let s = State::default()
            .reduce(Action::ApplyText("arch x86_64\nvma 400000 401000\n".into()))
            .reduce(Action::SetArch(ArchId::Sparc64));
        // 0x401000 is not 8K aligned on sparc64: refused, nothing changed.
        assert!(s.notice.is_some());
        assert!(s.sim.text.starts_with("arch x86_64"));
        let s = s
            .reduce(Action::ApplyText("arch x86_64\nvma 400000 402000\n".into()))
            .reduce(Action::SetArch(ArchId::Sparc64));
        assert!(s.notice.is_none());
        assert!(s.sim.text.starts_with("arch sparc64"));
    }

    #[test]
    fn comments_survive_apply_edits_header_switches_and_undo() {
        let text =
            "# my notes\narch x86_64   # the arch\nvma 400000 402000 text # code\n\ntouch 400000\n";
        let s = State::default().reduce(Action::ApplyText(text.into()));
        assert!(s.text_error.is_none(), "{:?}", s.text_error);
        assert_eq!(s.source_text(), text);
        assert_eq!(
            s.sim.text,
            "arch x86_64\nvma 0x400000 0x402000 text\ntouch 0x400000\n"
        );
        assert_eq!(s.link().text, text, "a link carries the author's text");
        // An op from a form or a drag is appended in canonical form, the comments stay.
        let s = s.reduce(Action::Push(Op::Munmap {
            range: r(0x400000, 0x402000),
        }));
        assert_eq!(s.source_text(), format!("{text}munmap 0x400000 0x402000\n"));
        // Switching kernel inserts its line after arch; switching arch rewrites arch's line.
        let s = s.reduce(Action::SetKernel(Kernel::V2_6_11));
        assert!(s.notice.is_none(), "{:?}", s.notice);
        assert!(s.source_text().starts_with("# my notes\narch x86_64   # the arch\nkernel 2.6.11\nvma 400000 402000 text # code\n"), "{}", s.source_text());
        let s = s.reduce(Action::SetArch(ArchId::Sparc64));
        assert!(s.notice.is_none(), "{:?}", s.notice);
        assert!(s.source_text().contains("arch sparc64 # the arch\n"));
        assert!(s.sim.text.starts_with("arch sparc64\nkernel 2.6.11\n"));
        // The source always runs to exactly the sim.
        assert_eq!(Sim::from_text(s.source_text()).unwrap().text, s.sim.text);
        // Undo brings back the commented texts.
        let u = s
            .reduce(Action::Undo)
            .reduce(Action::Undo)
            .reduce(Action::Undo);
        assert_eq!(u.source_text(), text);
        // A refused switch leaves the text (and everything else) as it was.
        let bad = State::default()
            .reduce(Action::ApplyText(
                "arch x86_64 # x\nvma 400000 401000\n".into(),
            ))
            .reduce(Action::SetArch(ArchId::Sparc64));
        assert!(bad.notice.is_some());
        assert_eq!(bad.source_text(), "arch x86_64 # x\nvma 400000 401000\n");
        assert_eq!(bad.sim.header.arch, Some(ArchId::X86_64));
        // A preset keeps its comments in the editor.
        let p = State::default().reduce(Action::LoadPreset("typical".into()));
        assert!(p.source_text().contains("# A small 64-bit process"));
        // Restoring an autosave keeps its comments.
        assert_eq!(State::restore(Some(text)).source_text(), text);
    }

    #[test]
    fn a_link_whose_scenario_has_an_error_keeps_its_text_and_the_address() {
        let saved = "arch x86_64\nvma 10000 12000 saved\n";
        let bad = "arch x86_64\n# shared\nvma 400000 401001\n";
        let frag = format!(
            "v=1&s={}",
            bad.replace('\n', "%0A")
                .replace(' ', "%20")
                .replace('#', "%23")
        );
        let (s, pending) = State::open(Some(&frag), Some(saved));
        assert!(pending.is_none());
        assert!(s.sim.text.contains("saved"), "the page shows the autosave");
        assert_eq!(
            s.draft.as_deref(),
            Some(bad),
            "the link's text goes to the editor"
        );
        assert!(
            s.text_error
                .as_ref()
                .unwrap()
                .to_string()
                .starts_with("error line 3: "),
            "{:?}",
            s.text_error
        );
        assert!(s
            .notice
            .as_ref()
            .unwrap()
            .to_string()
            .starts_with("cannot open the link"));
        assert!(s.hold_url, "the address bar keeps the link");
        // Selecting or zooming keeps the link; fixing and applying the text opens it.
        let z = s.reduce(Action::Zoom(Some(r(0, 0x1000000))));
        assert!(z.hold_url && z.draft.is_some());
        let fixed = z.reduce(Action::ApplyText(bad.replace("401001", "401000")));
        assert!(!fixed.hold_url && fixed.draft.is_none() && fixed.text_error.is_none());
        assert!(fixed.source_text().contains("# shared"));
        // Undecodable links also keep the address bar.
        assert!(State::open(Some("v=1&z=***"), Some(saved)).0.hold_url);
        // A good link follows the state at once.
        let good = State::open(Some("v=1&s=arch%20x86_64%0A"), Some(saved)).0;
        assert!(!good.hold_url && good.draft.is_none());
    }

    #[test]
    fn a_first_visit_opens_the_guided_preset_at_its_telling_step() {
        let (s, pending) = State::open(None, None);
        assert!(pending.is_none() && s.intro);
        assert_eq!(
            s.sim.text,
            Sim::from_text(&freepgt::presets::find("middle-of-three").unwrap().text())
                .unwrap()
                .text
        );
        let step = s.step.expect("a step is shown");
        let k = step.command - s.sim.header_lines();
        assert!(matches!(s.sim.ops[k], Op::Munmap { .. }));
        let e = &s.sim.outcomes[k].events[step.event.unwrap()];
        assert!(matches!(e, freepgt::Event::FreePgdRange { .. }), "{e}");
        // Zoomed to the three vmas (each a fifth of the picture), floor and ceiling inside.
        assert_eq!(s.zoom, Some(r(0x400000, 0x405000)));
        assert!(s.undo.is_empty());
        // A returning visitor gets the autosave, and any change ends the intro.
        assert!(!State::open(None, Some("arch x86_64\n")).0.intro);
        assert!(!s.reduce(Action::Push(Op::Exit)).intro);
    }

    #[test]
    fn selecting_an_operation_zooms_to_it() {
        let s = State::default().reduce(Action::LoadPreset("gather".into()));
        let hl = s.sim.header_lines();
        let munmap = s
            .sim
            .ops
            .iter()
            .position(|o| matches!(o, Op::Munmap { .. }))
            .unwrap();
        let z = s.reduce(Action::SetStep(Some(StepRef {
            command: hl + munmap,
            event: None,
        })));
        let zoom = z.zoom.expect("zoomed");
        let (lo, hi) = (zoom.start.as_u64(), zoom.end.as_u64());
        // munmap 0x400000 0xa01000 under floor 0 and ceiling 0: the range, padded.
        assert!(
            lo <= 0x400000 && hi >= 0xa01000 && hi - lo < 0x1000000,
            "{lo:#x} {hi:#x}"
        );
        // Stepping inside the op keeps a zoom the reader changed.
        let z2 = z
            .reduce(Action::Zoom(Some(r(0x400000, 0x401000))))
            .reduce(Action::SetStep(Some(StepRef {
                command: hl + munmap,
                event: Some(3),
            })));
        assert_eq!(z2.zoom, Some(r(0x400000, 0x401000)));
        // Exit shows the whole space.
        let e = State::default().reduce(Action::ApplyText(
            "arch x86_64\nvma 400000 401000\nexit\n".into(),
        ));
        let e = e.reduce(Action::SetStep(Some(StepRef {
            command: 2,
            event: None,
        })));
        assert_eq!(e.zoom, None);
    }

    #[test]
    fn restore_falls_back_on_bad_saves() {
        assert!(State::restore(Some("arch nope")).sim.ops.len() > 1);
        assert_eq!(
            State::restore(Some("arch sparc64\n")).sim.text,
            "arch sparc64\n"
        );
        assert_eq!(State::restore(Some("")).sim.text, "");
    }
}
