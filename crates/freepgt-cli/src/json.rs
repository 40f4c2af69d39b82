//! `freepgt run --format json`: every step's trace and the final state, for tools.

use freepgt::scenario::{self, Command, Scenario};
use freepgt::{Event, Mm, ScenarioError, TableCounts, TableInfo, Visits, Vma};
use serde::Serialize;

#[derive(Serialize)]
struct StepJson {
    line: usize,
    command: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<Vec<Event>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    visits: Option<Visits>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tables: Option<TableCounts>,
}

#[derive(Serialize)]
struct FinalJson {
    arch: String,
    kernel: String,
    first_user_address: freepgt::VirtAddr,
    /// The `config` header: `preempt` or `nopreempt`.
    config: &'static str,
    /// The `max_map_count` header, a JSON number as the header's value is decimal.
    max_map_count: u64,
    vmas: Vec<Vma>,
    counts: TableCounts,
    tables: Vec<TableInfo>,
}

#[derive(Serialize)]
struct ErrorJson {
    line: usize,
    message: String,
}

#[derive(Serialize)]
struct RunJson {
    steps: Vec<StepJson>,
    #[serde(rename = "final")]
    final_state: Option<FinalJson>,
    error: Option<ErrorJson>,
}

fn final_state(mm: &Mm) -> FinalJson {
    FinalJson {
        arch: mm.arch().id.to_string(),
        kernel: mm.kernel().to_string(),
        first_user_address: mm.first_user_address(),
        config: mm.config().name(),
        max_map_count: mm.max_map_count(),
        vmas: mm.vmas().iter().cloned().collect(),
        counts: mm.counts(),
        tables: mm.page_tables().all_live(),
    }
}

/// Runs the scenario and prints one JSON document; returns the error for stderr and the
/// exit status.
pub fn run_json(text: &[u8]) -> Option<ScenarioError> {
    let parsed = Scenario::parse_prefix_bytes(text);
    let mut steps = Vec::new();
    let (mm, err) = scenario::run(&parsed.scenario, |step| {
        steps.push(StepJson {
            line: step.line,
            command: step.command.to_string(),
            events: step.outcome.map(|o| o.events.clone()),
            visits: match (step.command, step.outcome) {
                (Command::Op { op }, Some(o)) if op.reports_frees() => Some(o.visits),
                _ => None,
            },
            tables: step.mm.map(Mm::counts),
        });
    });
    let err = err.or(parsed.error);
    let doc = RunJson {
        steps,
        final_state: mm.as_ref().map(final_state),
        error: err.as_ref().map(|e| ErrorJson {
            line: e.line,
            message: e.to_string(),
        }),
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&doc).expect("the trace serialises")
    );
    err
}
