//! What the picture and the tree draw at the step shown, as a named hook of the root.

use crate::model::{cursor, Around, Cursor, Tree};
use crate::state::{ByPtr, Frame, SimRef};
use freepgt::share::StepRef;
use std::rc::Rc;
use yew::prelude::*;

/// The scenario as of the step shown.
pub struct StepView {
    /// The step's place in the trace.
    pub at: Option<Cursor>,
    /// The scenario the picture draws: the whole one, or replayed up to the step's op.
    pub view: SimRef,
    /// The table tree as of the step.
    pub tree: Rc<Tree>,
}

/// The picture follows the step: an earlier op is drawn on the mm right after it (the
/// scenario replayed up to it), and an event of an op as of that event (the tables freed so
/// far freed, those walked and kept kept, from the mm before the op and its trace). Each
/// level is memoized on what it depends on: the replay once per op, the tables around the op
/// once per op, and each event then applies only its trace.
#[hook]
pub fn use_step_view(sim: &SimRef, step: Option<StepRef>) -> StepView {
    let at = cursor(sim, step);
    // Once per op: the replay's run keeps the mm from before the op anyway, so going from
    // the op as a whole to its first event replays nothing more.
    let frame = use_memo((sim.clone(), at.map(|c| c.op)), |(sim, op)| {
        op.map(|op| Frame::new(sim, op, true))
    });
    let view: SimRef = frame
        .as_ref()
        .as_ref()
        .map_or(sim.clone(), |f| f.after.clone());
    // The tables around the op only for an event of it.
    let before = frame
        .as_ref()
        .as_ref()
        .and_then(|f| f.before.clone())
        .filter(|_| at.is_some_and(|c| c.event.is_some()));
    let upto = at.and_then(|c| c.event);
    let around = use_memo((view.clone(), before), |(after, before)| {
        match (before.as_ref().map(ByPtr::rc), after.mm.as_ref()) {
            (Some(b), Some(a)) => Some(Around::new(b, a)),
            _ => None,
        }
    });
    let tree = use_memo(
        (view.clone(), around.clone(), upto),
        |(after, around, upto)| match (around.as_ref().as_ref(), upto, after.outcomes.last()) {
            (Some(around), Some(i), Some(o)) => around.at(&o.events, *i),
            _ => crate::model::tree(after),
        },
    );
    StepView { at, view, tree }
}
