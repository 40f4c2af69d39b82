//! The report, exactly as `freepgt run --visits --orphans` prints it.

use crate::state::SimRef;
use yew::prelude::*;

/// The report's props.
#[derive(Properties, PartialEq)]
pub struct ReportProps {
    /// The scenario.
    pub sim: SimRef,
}

/// Reports longer than this show their tail until asked for all of it: laying out hundreds
/// of kilobytes of text on every operation would dominate the re-render of a big scenario.
const REPORT_TAIL: usize = 400;

#[function_component(Report)]
pub fn report(p: &ReportProps) -> Html {
    let all = use_state(|| false);
    let report = &p.sim.report;
    // Counted by bytes: the report of a big scenario has tens of thousands of lines.
    let lines = crate::model::pages::line_count(report);
    let shown = if *all || lines <= REPORT_TAIL {
        report.clone()
    } else {
        let mut start = report.len();
        for _ in 0..REPORT_TAIL {
            start = report[..start.saturating_sub(1)]
                .rfind('\n')
                .map_or(0, |i| i + 1);
        }
        report[start..].to_string()
    };
    html! {
        <section class="panel" aria-labelledby="report-h">
            <h2 id="report-h">{ "Report" }</h2>
            <p class="muted">{ format!("Exactly what `freepgt run --visits --orphans` prints for this scenario ({lines} lines).") }</p>
            if lines > REPORT_TAIL {
                <p class="small">
                    { if *all { format!("All {lines} lines. ") } else { format!("The last {REPORT_TAIL} of {lines} lines. ") } }
                    <button type="button" id="report-all" onclick={ let all = all.clone(); move |_| all.set(!*all) }>
                        { if *all { "Show the tail only" } else { "Show all lines" } }</button>
                </p>
            }
            <pre id="report" class="report" tabindex="0">{ shown }</pre>
        </section>
    }
}
