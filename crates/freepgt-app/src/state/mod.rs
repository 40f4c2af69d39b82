//! The playground's state and its one reducer. Pure Rust: builds and tests natively.
//!
//! Every change is an [`Action`]; [`State::reduce`] is the only place state changes (the
//! browser layer wraps it in yew's `Reducible`). The simulation is the core's: a [`Sim`]
//! ([`sim`]) is a scenario run by it, shared with the views as a [`SimRef`].

mod error;
mod sim;

pub use error::{AppError, Switch};
pub use sim::{Frame, Header, LastOp, PendingLink, Sim, SimRef, REPORT_OPTS};

use freepgt::share::{Decoded, Shared, StepRef};
use freepgt::{AddrRange, ArchId, Kernel, Op, TableKey};
use std::rc::Rc;

/// How many scenario texts undo keeps.
pub const UNDO_DEPTH: usize = 100;

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

/// The link of a scenario shown at `step`, embedded or not, compared or not.
pub fn link(sim: &Sim, step: Option<StepRef>, embed: bool, compare: bool) -> Shared {
    Shared {
        text: sim.text.clone(),
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
    pub undo: Vec<Rc<str>>,
    /// Undone scenario texts (most recent last).
    pub redo: Vec<Rc<str>>,
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
        }
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
            return (State::restore(saved), None);
        };
        match freepgt::share::decode_start(fragment) {
            Ok(Decoded::Ready(link)) => (State::opened(link, saved), None),
            Ok(Decoded::NeedsInflate { deflated, rest }) => {
                let mut s = State::restore(saved);
                s.embed = rest.embed;
                if s.embed {
                    s.mode = Mode::Zoom;
                }
                (s, Some(PendingLink { deflated, rest }))
            }
            Err(e) => (State::restore(saved).with_link_error(e), None),
        }
    }

    /// The state of a decoded link (or the autosave with a notice if it does not run).
    pub fn opened(link: Shared, saved: Option<&str>) -> Self {
        let embed = link.embed;
        let mut s = State::restore(None).reduce(Action::OpenLink(link));
        if let Some(notice) = s.notice.take() {
            s = State::restore(saved);
            s.notice = Some(notice);
        }
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
        self
    }

    /// The state a link carries.
    pub fn link(&self) -> Shared {
        link(&self.sim, self.step, self.embed, self.compare)
    }

    /// Starts from saved text; falls back to the default on any error.
    pub fn restore(saved: Option<&str>) -> Self {
        match saved.map(Sim::from_text) {
            Some(Ok(sim)) => State::new(sim),
            _ => match freepgt::presets::find("typical").map(|p| Sim::from_text(&p.text())) {
                Some(Ok(sim)) => State::new(sim),
                _ => State::default(),
            },
        }
    }

    fn replace(&mut self, sim: Sim) {
        let old: Rc<str> = self.sim.text.as_str().into();
        if old.as_ref() != sim.text {
            self.undo.push(old);
            if self.undo.len() > UNDO_DEPTH {
                self.undo.remove(0);
            }
            self.redo.clear();
        }
        self.sim = SimRef::new(sim);
        self.after_change();
    }

    fn after_change(&mut self) {
        self.revision += 1;
        self.notice = None;
        self.text_error = None;
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

    /// Undo (`back`) or redo: reopens the scenario text at the top of one history stack and
    /// pushes the current one on the other.
    fn travel(&mut self, back: bool) {
        let (from, to) = if back {
            (&mut self.undo, &mut self.redo)
        } else {
            (&mut self.redo, &mut self.undo)
        };
        let Some(text) = from.pop() else {
            return;
        };
        match Sim::from_text(&text) {
            Ok(sim) => {
                to.push(self.sim.text.as_str().into());
                self.sim = SimRef::new(sim);
                self.after_change();
            }
            Err(e) => {
                from.push(text);
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
        match action {
            Action::ApplyText(text) => match Sim::from_text(&text) {
                Ok(sim) => {
                    s.replace(sim);
                    s.zoom = None;
                    s.selection = None;
                    s.expanded.clear();
                }
                Err(e) => s.text_error = Some(e),
            },
            Action::LoadPreset(id) => match freepgt::presets::find(&id) {
                Some(p) => match Sim::from_text(&p.text()) {
                    Ok(sim) => {
                        s.replace(sim);
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
                    Ok(sim) => s.replace(sim),
                    Err(e) => {
                        s.notice = Some(AppError::Switch {
                            to: Switch::Kernel(kernel),
                            error: Box::new(e),
                        })
                    }
                }
            }
            Action::Push(op) => match s.sim.push(op) {
                Ok(sim) => s.replace(sim),
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
                s.step = step.filter(|st| st.command < s.sim.header_lines() + s.sim.ops.len())
            }
            Action::SetCompare(on) => s.compare = on,
            Action::OpenLink(link) => {
                if link.text != s.sim.text {
                    match Sim::from_text(&link.text) {
                        Ok(sim) => {
                            s.replace(sim);
                            s.zoom = None;
                            s.selection = None;
                            s.expanded.clear();
                        }
                        Err(e) => {
                            s.notice = Some(AppError::LinkRefused(Box::new(e)));
                            return s;
                        }
                    }
                }
                s.step = link
                    .step
                    .filter(|st| st.command < s.sim.header_lines() + s.sim.ops.len());
                s.compare = link.compare;
            }
        }
        s
    }
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
    fn restore_falls_back_on_bad_saves() {
        assert!(State::restore(Some("arch nope")).sim.ops.len() > 1);
        assert_eq!(
            State::restore(Some("arch sparc64\n")).sim.text,
            "arch sparc64\n"
        );
        assert_eq!(State::restore(Some("")).sim.text, "");
    }
}
