//! The step-through cursor: which op and which event of its trace is shown, and the moves.

use crate::state::Sim;
use freepgt::share::StepRef;
use freepgt::TableKey;

/// The step shown: an op (index into `sim.ops`) and optionally one event of its trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// Index into `sim.ops` / `sim.outcomes`.
    pub op: usize,
    /// Index into that op's events; `None` = the op as a whole (nothing highlighted).
    pub event: Option<usize>,
}

/// Where a `StepRef` points in this sim: `None` = the last op. A header command or an index
/// past the end is clamped to the nearest op; an event index past the end to the last event.
pub fn cursor(sim: &Sim, step: Option<StepRef>) -> Option<Cursor> {
    let n = sim.outcomes.len();
    if n == 0 {
        return None;
    }
    let Some(st) = step else {
        return Some(Cursor {
            op: n - 1,
            event: None,
        });
    };
    let op = st.command.saturating_sub(sim.header_lines()).min(n - 1);
    let len = sim.outcomes[op].events.len();
    Some(Cursor {
        op,
        event: st.event.filter(|_| len > 0).map(|e| e.min(len - 1)),
    })
}

/// A step-through move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nav {
    /// The next event (at the end of an op: the next op's first event).
    Next,
    /// The previous event (at the start of an op: the previous op's last event).
    Prev,
    /// The op's first event.
    Start,
    /// The op's last event.
    End,
    /// The next op (as a whole).
    NextOp,
    /// The previous op.
    PrevOp,
}

/// The step after a move, as the `StepRef` to dispatch (`None`: nowhere to go).
pub fn nav(sim: &Sim, at: Cursor, how: Nav) -> Option<StepRef> {
    let n = sim.outcomes.len();
    let len = |op: usize| sim.outcomes[op].events.len();
    let to = |op: usize, event: Option<usize>| {
        Some(StepRef {
            command: sim.header_lines() + op,
            event,
        })
    };
    match how {
        Nav::Next => match at.event {
            None if len(at.op) > 0 => to(at.op, Some(0)),
            Some(e) if e + 1 < len(at.op) => to(at.op, Some(e + 1)),
            _ => (at.op + 1 < n).then(|| to(at.op + 1, Some(0)))?,
        },
        Nav::Prev => match at.event {
            Some(e) if e > 0 => to(at.op, Some(e - 1)),
            _ if at.op > 0 => to(at.op - 1, len(at.op - 1).checked_sub(1)),
            _ => None,
        },
        Nav::Start => to(at.op, (len(at.op) > 0).then_some(0)),
        Nav::End => to(at.op, len(at.op).checked_sub(1)),
        Nav::NextOp => (at.op + 1 < n).then(|| to(at.op + 1, None))?,
        Nav::PrevOp => (at.op > 0).then(|| to(at.op - 1, None))?,
    }
}

/// The table the event at `at` is about (outlined in the tree and on the axis).
pub fn table_at(sim: &Sim, at: Cursor) -> Option<TableKey> {
    sim.outcomes.get(at.op)?.events.get(at.event?)?.table()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_and_nav_walk_every_event_in_order() {
        let sim = Sim::from_text(&freepgt::presets::find("gather").unwrap().text()).unwrap();
        let last = cursor(&sim, None).unwrap();
        assert_eq!(last.op, sim.ops.len() - 1);
        assert_eq!(last.event, None);
        let start = nav(&sim, last, Nav::Start).unwrap();
        assert_eq!(start.command, sim.header_lines() + last.op);
        let mut at = cursor(&sim, Some(start)).unwrap();
        let mut seen = 1;
        while let Some(next) = nav(&sim, at, Nav::Next) {
            at = cursor(&sim, Some(next)).unwrap();
            seen += 1;
        }
        assert_eq!(seen, sim.outcomes[last.op].events.len());
        // Back from the first event of an op goes to the previous op's last event.
        let prev = nav(&sim, cursor(&sim, Some(start)).unwrap(), Nav::Prev).unwrap();
        let n = sim.outcomes[last.op - 1].events.len();
        assert_eq!(prev.event, Some(n - 1));
        // Out-of-range refs clamp.
        let c = cursor(
            &sim,
            Some(StepRef {
                command: 999,
                event: Some(999),
            }),
        )
        .unwrap();
        assert_eq!(c.op, last.op);
        assert_eq!(c.event, Some(sim.outcomes[last.op].events.len() - 1));
    }
}
