//! 2.6.11 vs 2.6.12 on the same scenario: per step, what each kernel freed, how many entries
//! its walk visited, what it flushed and what it left behind. Built from the two traces.

use crate::arch::Level;
use crate::error::ScenarioError;
use crate::mm::Kernel;
use crate::report::{bug_lines, flushes, freed_tables, vpte_totals};
use crate::scenario::{run, Command, Numbered, Scenario};
use crate::trace::{FlushCall, Visits};
use crate::VirtAddr;
use serde::Serialize;

/// One kernel's side of a step.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize)]
pub struct Side {
    /// Tables freed, in report order.
    pub freed: Vec<(Level, VirtAddr)>,
    /// Walk loop iterations.
    pub visits: Visits,
    /// flush_tlb_pgtables calls.
    pub flushes: Vec<FlushCall>,
    /// VPTE pages and batches (sparc64; zeros elsewhere).
    pub vpte: VpteTotals,
    /// BUG lines.
    pub bugs: Vec<String>,
    /// Orphans after the step, `LEVEL BASE`.
    pub orphans: Vec<String>,
}

/// The VPTE cost of one step's `flush_tlb_pgtables` calls (sparc64; zeros elsewhere).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize)]
pub struct VpteTotals {
    /// VPTE pages demapped.
    pub pages: u128,
    /// tlb batch flushes.
    pub batches: u128,
}

/// One step under both kernels.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct StepComparison {
    /// The scenario line.
    pub line: usize,
    /// The command, canonical.
    pub command: String,
    /// Under 2.6.11.
    pub old: Side,
    /// Under 2.6.12.
    pub new: Side,
}

impl StepComparison {
    /// True if the two kernels differ in anything but walk cost.
    pub fn differs(&self) -> bool {
        let (o, n) = (&self.old, &self.new);
        o.freed != n.freed || o.flushes != n.flushes || o.bugs != n.bugs || o.orphans != n.orphans
    }
}

/// Totals over the whole scenario.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize)]
pub struct Totals {
    /// 2.6.11 visits.
    pub old_visits: Visits,
    /// 2.6.12 visits.
    pub new_visits: Visits,
    /// 2.6.11 VPTE pages.
    pub old_vpte_pages: u128,
    /// 2.6.12 VPTE pages.
    pub new_vpte_pages: u128,
    /// Tables freed by 2.6.11.
    pub old_freed: usize,
    /// Tables freed by 2.6.12.
    pub new_freed: usize,
}

impl std::fmt::Display for Totals {
    /// The two totals lines of `freepgt compare` (no trailing newline).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (o, n) = (self.old_visits, self.new_visits);
        writeln!(
            f,
            "total visits 2.6.11 {} (pgd {} pud {} pmd {}), 2.6.12 {} (pgd {} pud {} pmd {})",
            o.total(),
            o.pgd,
            o.pud,
            o.pmd,
            n.total(),
            n.pgd,
            n.pud,
            n.pmd
        )?;
        write!(
            f,
            "total tables freed 2.6.11 {}, 2.6.12 {}; VPTE pages 2.6.11 {}, 2.6.12 {}",
            self.old_freed, self.new_freed, self.old_vpte_pages, self.new_vpte_pages
        )
    }
}

/// The scenario with its `kernel` line replaced (or added after `arch`).
pub fn with_kernel(s: &Scenario, kernel: Kernel) -> Scenario {
    let mut commands: Vec<Numbered> = s
        .commands
        .iter()
        .filter(|n| !matches!(n.command, Command::Kernel { .. }))
        .cloned()
        .collect();
    if !commands.is_empty() {
        commands.insert(
            1,
            Numbered {
                line: commands[0].line,
                command: Command::Kernel { kernel },
            },
        );
    }
    Scenario { commands }
}

fn sides(s: &Scenario, kernel: Kernel) -> (Vec<(usize, String, Side)>, Option<ScenarioError>) {
    let mut out = Vec::new();
    let (_, err) = run(&with_kernel(s, kernel), |step| {
        let (Some(o), Some(mm)) = (step.outcome, step.mm) else {
            return;
        };
        let orphans = crate::report::orphans(mm);
        out.push((
            step.line,
            step.command.to_string(),
            Side {
                freed: freed_tables(o),
                visits: o.visits,
                flushes: flushes(o),
                vpte: {
                    let (pages, batches) = vpte_totals(o);
                    VpteTotals { pages, batches }
                },
                bugs: bug_lines(o),
                orphans,
            },
        ));
    });
    (out, err)
}

/// Runs the scenario under both kernels. Stops where either refuses a command (they accept the
/// same commands: validation does not depend on the kernel).
pub fn compare(s: &Scenario) -> (Vec<StepComparison>, Totals, Option<ScenarioError>) {
    let (old, e1) = sides(s, Kernel::V2_6_11);
    let (new, e2) = sides(s, Kernel::V2_6_12);
    let mut totals = Totals::default();
    let steps: Vec<StepComparison> = old
        .into_iter()
        .zip(new)
        .map(|((line, command, old), (_, _, new))| {
            totals.old_visits.add(old.visits);
            totals.new_visits.add(new.visits);
            totals.old_vpte_pages += old.vpte.pages;
            totals.new_vpte_pages += new.vpte.pages;
            totals.old_freed += old.freed.len();
            totals.new_freed += new.freed.len();
            StepComparison {
                line,
                command,
                old,
                new,
            }
        })
        .collect();
    (steps, totals, e1.or(e2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets;

    #[test]
    fn lone_munmap_costs_far_more_under_2_6_11() {
        let s = Scenario::parse(&presets::find("lone-2.6.12").unwrap().text()).unwrap();
        let (steps, totals, err) = compare(&s);
        assert!(err.is_none());
        let munmap = steps.last().unwrap();
        assert_eq!(munmap.old.freed, munmap.new.freed, "same tables freed");
        assert!(munmap.differs(), "the flush ranges differ");
        assert_eq!(totals.old_visits.total(), 2 + 512 + 512);
        assert_eq!(totals.new_visits.total(), 3);
    }

    #[test]
    fn zapfail_orphan_is_freed_by_2_6_11_exit_only() {
        let s = Scenario::parse(&presets::find("mmapfail-zapfail").unwrap().text()).unwrap();
        let (steps, _, _) = compare(&s);
        let exit = steps.last().unwrap();
        assert!(exit
            .new
            .bugs
            .iter()
            .any(|b| b.contains("BUG_ON(nr_ptes=1)")));
        assert!(exit.old.bugs.is_empty());
        assert!(exit
            .old
            .freed
            .contains(&(Level::Pte, VirtAddr::new(0xa00000))));
    }

    #[test]
    fn with_kernel_replaces_or_inserts() {
        let s = Scenario::parse("arch x86_64\nkernel 2.6.11\nexit\n").unwrap();
        assert_eq!(
            with_kernel(&s, Kernel::V2_6_12).to_text(),
            "arch x86_64\nkernel 2.6.12\nexit\n"
        );
        let s = Scenario::parse("arch x86_64\nexit\n").unwrap();
        assert_eq!(
            with_kernel(&s, Kernel::V2_6_11).to_text(),
            "arch x86_64\nkernel 2.6.11\nexit\n"
        );
    }
}
