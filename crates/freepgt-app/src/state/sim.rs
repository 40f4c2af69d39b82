//! A scenario run by the core: the header, the ops, the mm after the last op, every op's
//! outcome (its trace) and the CLI report text, built with `freepgt::report::step_lines`.

use super::AppError;
use freepgt::report::{step_lines, ReportOptions};
use freepgt::scenario::{Command, HeaderLines};
use freepgt::share::Shared;
use freepgt::{
    Arch, ArchId, Kernel, LineErrorKind, Mm, Op, Outcome, Scenario, ScenarioError, VirtAddr,
};
use std::fmt::Write as _;
use std::ops::Deref;
use std::rc::Rc;

/// The report options the playground shows (and the tests compare with the CLI's
/// `run --visits --orphans`).
pub const REPORT_OPTS: ReportOptions = ReportOptions {
    visits: true,
    orphans: true,
};

/// The scenario header: `arch`, optional `kernel`, optional `first_user_address`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Header {
    /// `None` only for the empty scenario.
    pub arch: Option<ArchId>,
    /// An explicit `kernel` line (absent means 2.6.12).
    pub kernel: Option<Kernel>,
    /// An explicit `first_user_address` line.
    pub fua: Option<VirtAddr>,
    /// Explicit `config` and `max_map_count` lines (their `first_user_address` is `fua`).
    pub extra: HeaderLines,
}

impl Header {
    /// The header lines after `arch` and `kernel`.
    pub fn lines(&self) -> HeaderLines {
        HeaderLines {
            first_user_address: self.fua,
            ..self.extra
        }
    }

    /// The kernel that runs.
    pub fn kernel(&self) -> Kernel {
        self.kernel.unwrap_or_default()
    }
}

/// A compact link whose text still has to be inflated (asynchronously, in a browser).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingLink {
    /// The raw-deflated scenario text.
    pub deflated: Vec<u8>,
    /// Step and flags, already decoded.
    pub rest: Shared,
}

/// The last operation and what the kernel did (borrowed from the [`Sim`]).
#[derive(Clone, Copy, Debug)]
pub struct LastOp<'a> {
    /// The op.
    pub op: &'a Op,
    /// Its outcome (the event trace).
    pub outcome: &'a Outcome,
}

/// A scenario run by the core.
#[derive(Clone, Debug)]
pub struct Sim {
    /// The header.
    pub header: Header,
    /// The operations.
    pub ops: Vec<Op>,
    /// The mm after the last op (`None` only without an arch); shared with the scenario it
    /// was pushed on until an op changes it.
    pub mm: Option<Rc<Mm>>,
    /// The mm right before the last op (`None` without ops): stepping into the last op's
    /// events draws it without replaying the scenario.
    pub before_last: Option<MmRef>,
    /// Every op's outcome (its trace), in op order: step-through and links address any of them.
    pub outcomes: Vec<Rc<Outcome>>,
    /// The canonical scenario text.
    pub text: String,
    /// The CLI report (`run --visits --orphans`), byte for byte.
    pub report: String,
    /// The scenario this one was made from by [`Sim::push`] (itself without this link: one
    /// level, so that a chain of pushes does not keep every mm alive). Stepping to the op
    /// before the last draws it instead of replaying the scenario up to it.
    pub pushed_on: Option<SimRef>,
}

impl Default for Sim {
    fn default() -> Self {
        Sim::build(
            Header {
                arch: Some(ArchId::X86_64),
                ..Header::default()
            },
            Vec::new(),
        )
        // Not `expect`: that would format the error with `Debug`, whose code (every error
        // type's derived `Debug`, string escaping) would ship for a branch that never runs.
        .unwrap_or_else(|_| unreachable!("an empty x86_64 scenario runs"))
    }
}

fn op_error(line: usize, e: freepgt::OpError) -> AppError {
    AppError::Scenario(ScenarioError {
        line,
        kind: LineErrorKind::Op(e),
    })
}

impl Sim {
    /// The last op and its outcome.
    pub fn last(&self) -> Option<LastOp<'_>> {
        Some(LastOp {
            op: self.ops.last()?,
            outcome: self.outcomes.last()?,
        })
    }

    /// The architecture, as data (`None` only for the empty scenario).
    pub fn arch(&self) -> Option<&'static Arch> {
        self.header.arch.map(ArchId::arch)
    }

    /// The kernel the scenario runs (from its header).
    pub fn kernel(&self) -> Kernel {
        self.header.kernel()
    }

    /// The scenario as the core's type.
    pub fn scenario(&self) -> Scenario {
        match self.header.arch {
            Some(arch) => Scenario::from_header(
                arch,
                self.header.kernel,
                &self.header.lines(),
                self.ops.clone(),
            ),
            None => Scenario::default(),
        }
    }

    /// Lines the header takes (also: the index of the first op among the commands).
    pub fn header_lines(&self) -> usize {
        usize::from(self.header.arch.is_some())
            + usize::from(self.header.kernel.is_some())
            + self.header.lines().len()
    }

    /// Runs a whole scenario. The error names its line, as `error line N: WHAT`.
    pub fn build(header: Header, ops: Vec<Op>) -> Result<Sim, AppError> {
        let mut sim = Sim {
            header,
            ops: Vec::with_capacity(ops.len()),
            mm: None,
            before_last: None,
            outcomes: Vec::new(),
            text: String::new(),
            report: String::new(),
            pushed_on: None,
        };
        let Some(arch) = header.arch else {
            if ops.is_empty() {
                return Ok(sim);
            }
            return Err(AppError::NoArch);
        };
        let scenario = Scenario::from_header(arch, header.kernel, &header.lines(), Vec::new());
        for n in &scenario.commands {
            let _ = writeln!(sim.text, "{}", n.command);
            let _ = writeln!(sim.report, "> {}", n.command);
        }
        let mm = Mm::with_config(arch, header.kernel(), header.lines().mm_config(arch))
            .map_err(|e| op_error(sim.header_lines(), e))?;
        sim.mm = Some(Rc::new(mm));
        let n = ops.len();
        for (i, op) in ops.into_iter().enumerate() {
            sim.push_in_place(op, i + 1 == n)?;
        }
        Ok(sim)
    }

    /// Parses and runs a scenario text; on any error nothing is built.
    pub fn from_text(text: &str) -> Result<Sim, AppError> {
        let scenario = Scenario::parse(text)?;
        let mut header = Header::default();
        let mut ops = Vec::new();
        for n in &scenario.commands {
            match &n.command {
                Command::Arch { arch } => header.arch = Some(*arch),
                Command::Kernel { kernel } => header.kernel = Some(*kernel),
                Command::FirstUserAddress { addr } => header.fua = Some(*addr),
                c @ (Command::Config { .. } | Command::MaxMapCount { .. }) => {
                    header.extra.record(c)
                }
                Command::Op { op } => ops.push(op.clone()),
            }
        }
        // On error, run it as the core does, so that the error names the line of the text
        // given (comments and blank lines count).
        Sim::build(header, ops).map_err(|e| match freepgt::run(&scenario, |_| {}).1 {
            Some(core) => AppError::Scenario(core),
            None => e,
        })
    }

    /// Applies `op`; `keep_before` keeps the mm it ran on as [`Sim::before_last`] (shared if
    /// another scenario holds it, else copied once).
    fn push_in_place(&mut self, op: Op, keep_before: bool) -> Result<(), AppError> {
        let line = self.header_lines() + self.ops.len() + 1;
        let shared = self.mm.as_mut().ok_or(AppError::NoArch)?;
        let before = keep_before.then(|| ByPtr(shared.clone()));
        // Copies the mm if `before` or another scenario shares it.
        let mm = Rc::make_mut(shared);
        let outcome = mm.apply(&op).map_err(|e| op_error(line, e))?;
        let command = Command::Op { op: op.clone() };
        let _ = writeln!(self.text, "{command}");
        let _ = writeln!(self.report, "> {command}");
        self.report
            .push_str(&step_lines(&command, Some(&outcome), Some(mm), REPORT_OPTS));
        self.ops.push(op);
        self.outcomes.push(Rc::new(outcome));
        self.before_last = before;
        Ok(())
    }

    /// This scenario with one more op: clones the mm and applies the op (no re-run).
    /// On error (`error line N: WHAT`, N being the line the op would take) nothing changes.
    pub fn push(&self, op: Op) -> Result<Sim, AppError> {
        let base = Sim {
            pushed_on: None,
            ..self.clone()
        };
        let mut next = base.clone();
        next.push_in_place(op, true)?;
        next.pushed_on = Some(SimRef::new(base));
        Ok(next)
    }

    /// The same ops under another header (re-runs the scenario).
    pub fn with_header(&self, header: Header) -> Result<Sim, AppError> {
        Sim::build(header, self.ops.clone())
    }

    /// The scenario cut after its first `ops` operations (the header kept), replayed: the mm
    /// as it was right after op `ops - 1`. Step-through draws an earlier op with it. Every
    /// prefix of a scenario that runs also runs, so this fails only for `ops` past the end.
    pub fn prefix(&self, ops: usize) -> Option<Sim> {
        if ops > self.ops.len() {
            return None;
        }
        if ops == self.ops.len() {
            return Some(self.clone());
        }
        Sim::build(self.header, self.ops[..ops].to_vec()).ok()
    }
}

/// The scenario around one op, for drawing it: the scenario up to and including the op
/// (`after`) and, for an event-exact picture, the mm just before it (`before`).
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    /// The mm just before the op (when asked for).
    pub before: Option<MmRef>,
    /// The scenario up to and including the op (its last outcome is the op's).
    pub after: SimRef,
}

impl Frame {
    /// The frame of op `op` of `sim`: `sim` itself and the mm it keeps from before its last
    /// op, or for an earlier op the scenario replayed from the start up to it.
    pub fn new(sim: &SimRef, op: usize, with_before: bool) -> Frame {
        let after = if op + 1 >= sim.ops.len() {
            sim.clone()
        } else if let Some(prev) = sim.pushed_on.as_ref().filter(|p| p.ops.len() == op + 1) {
            // The op before the last of a pushed scenario: the scenario it was pushed on.
            prev.clone()
        } else {
            sim.prefix(op + 1).map_or(sim.clone(), SimRef::new)
        };
        Frame {
            before: with_before.then(|| after.before_last.clone()).flatten(),
            after,
        }
    }
}

/// A value shared by the views and scenarios, equal only to itself (compared by pointer): a
/// component whose props hold one re-renders exactly when the value was replaced, and
/// comparing props or memo keys never compares tables. It keeps its value alive, so a cache
/// keyed by it can never see a new value at an old address.
#[derive(Debug, Default)]
pub struct ByPtr<T>(Rc<T>);

/// An mm shared by the views and scenarios (the mm before a scenario's last op).
pub type MmRef = ByPtr<Mm>;

/// A run scenario shared by the views.
pub type SimRef = ByPtr<Sim>;

impl<T> ByPtr<T> {
    /// Shares `value`.
    pub fn new(value: T) -> Self {
        ByPtr(Rc::new(value))
    }

    /// The shared value itself (for a cache keyed by its address).
    pub fn rc(&self) -> &Rc<T> {
        &self.0
    }
}

// By hand: a derived `Clone` would ask `T: Clone`, and cloning shares, it never copies.
impl<T> Clone for ByPtr<T> {
    fn clone(&self) -> Self {
        ByPtr(Rc::clone(&self.0))
    }
}

impl<T> PartialEq for ByPtr<T> {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.0, &o.0)
    }
}

impl<T> Deref for ByPtr<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_the_scenario_run_up_to_that_op() {
        let sim = Sim::from_text(&freepgt::presets::find("gather").unwrap().text()).unwrap();
        for n in 0..=sim.ops.len() {
            let p = sim.prefix(n).unwrap();
            assert_eq!(p.ops, sim.ops[..n]);
            // Same traces as the whole run's first n ops.
            assert!(p.outcomes.iter().zip(&sim.outcomes).all(|(a, b)| a == b));
            assert_eq!(p.outcomes.len(), n);
            // Its report is the whole report's first lines, and the core's for its text.
            assert!(sim.report.starts_with(&p.report), "{n}");
            let (want, err) = freepgt::report::report(&p.text, REPORT_OPTS);
            assert!(err.is_none());
            assert_eq!(p.report, want);
        }
        assert!(sim.prefix(sim.ops.len() + 1).is_none());
        // The mm after op 1 (a vma and faults): tables, before the munmap frees them.
        let before = sim.prefix(sim.ops.len() - 1).unwrap();
        assert!(before.mm.as_ref().unwrap().counts().pte > 0);
        assert_eq!(sim.mm.as_ref().unwrap().counts().pte, 0);
    }

    #[test]
    fn a_frame_is_the_scenario_around_one_op() {
        let sim = SimRef::new(
            Sim::from_text(&freepgt::presets::find("middle-of-three").unwrap().text()).unwrap(),
        );
        for op in 0..sim.ops.len() {
            let f = Frame::new(&sim, op, true);
            let before = f.before.as_ref().unwrap();
            assert_same_mm(before, sim.prefix(op).unwrap().mm.as_ref().unwrap());
            assert_eq!(f.after.ops, sim.ops[..=op]);
            assert_eq!(f.after.outcomes[op], sim.outcomes[op]);
            assert_eq!(f.after.report, sim.prefix(op + 1).unwrap().report);
            assert_eq!(Frame::new(&sim, op, false).after.text, f.after.text);
        }
        // The last op's frame is the scenario itself.
        assert!(Frame::new(&sim, sim.ops.len() - 1, false).after == sim);
    }

    #[test]
    fn the_op_before_the_last_of_a_pushed_scenario_is_drawn_without_a_replay() {
        let base =
            Sim::from_text(&freepgt::presets::find("middle-of-three").unwrap().text()).unwrap();
        assert!(base.pushed_on.is_none());
        let munmap = |a: u64| Op::Munmap {
            range: freepgt::AddrRange::new(VirtAddr::new(a), VirtAddr::new(a + 0x3000)),
        };
        let once = base.push(munmap(0x400000)).unwrap();
        let twice = SimRef::new(once.push(munmap(0x10000000)).unwrap());
        let prev = twice.pushed_on.as_ref().unwrap();
        // One level only.
        assert!(prev.pushed_on.is_none());
        let n = twice.ops.len();
        let f = Frame::new(&twice, n - 2, true);
        assert!(f.after == *prev);
        // The very frame a replay gives.
        let replayed = twice.prefix(n - 1).unwrap();
        assert_eq!(f.after.text, replayed.text);
        assert_eq!(f.after.report, replayed.report);
        assert_eq!(f.after.outcomes, replayed.outcomes);
        assert_same_mm(f.after.mm.as_ref().unwrap(), replayed.mm.as_ref().unwrap());
        assert_same_mm(
            f.before.as_ref().unwrap(),
            twice.prefix(n - 2).unwrap().mm.as_ref().unwrap(),
        );
        // Earlier ops are replayed.
        let g = Frame::new(&twice, n - 3, true);
        assert!(g.after != *prev);
        assert_eq!(g.after.text, twice.prefix(n - 2).unwrap().text);
    }

    /// Two mms hold the same vmas, live tables (with their used counts) and orphans.
    fn assert_same_mm(a: &Mm, b: &Mm) {
        let vmas = |m: &Mm| m.vmas().iter().cloned().collect::<Vec<_>>();
        assert_eq!(vmas(a), vmas(b));
        assert_eq!(a.page_tables().all_live(), b.page_tables().all_live());
        assert_eq!(a.orphans(), b.orphans());
        assert_eq!(a.counts(), b.counts());
    }

    #[test]
    fn every_run_keeps_the_mm_from_before_its_last_op() {
        let mut pushed_any = false;
        for p in freepgt::presets::ALL.iter().filter(|p| p.id != "large") {
            let sim = Sim::from_text(&p.text()).unwrap();
            let n = sim.ops.len();
            match &sim.before_last {
                None => assert_eq!(n, 0, "{}", p.id),
                Some(before) => {
                    assert_same_mm(before, sim.prefix(n - 1).unwrap().mm.as_ref().unwrap())
                }
            }
            // A pushed op keeps the mm it ran on: the very one of the scenario it was pushed on.
            let Ok(pushed) = sim.push(Op::Exit) else {
                continue;
            };
            pushed_any = true;
            let shared = pushed.before_last.as_ref().unwrap();
            assert!(
                std::ptr::eq::<Mm>(&**shared, &**sim.mm.as_ref().unwrap()),
                "{}",
                p.id
            );
            assert_same_mm(
                pushed.mm.as_ref().unwrap(),
                Sim::from_text(&pushed.text).unwrap().mm.as_ref().unwrap(),
            );
            // Pushing did not change the scenario it was pushed on.
            assert_same_mm(
                sim.mm.as_ref().unwrap(),
                Sim::from_text(&sim.text).unwrap().mm.as_ref().unwrap(),
            );
        }
        assert!(pushed_any);
    }

    #[test]
    fn sim_refs_are_equal_only_to_themselves() {
        let a = SimRef::new(Sim::default());
        let b = SimRef::new(Sim::default());
        assert!(a == a.clone());
        assert!(a != b);
    }
}
