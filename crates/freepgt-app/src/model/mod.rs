//! View models: everything the views show, computed from the core's state and trace. Pure
//! Rust, tested natively; no simulation logic (everything here arranges or words what `Mm`
//! and `Outcome` say).
//!
//! | module | what |
//! | --- | --- |
//! | [`units`] | sizes and addresses as typed and read (`8K`, `≈1.5T`) |
//! | [`axis`] | the broken address axis: segments, breaks, ticks, clusters |
//! | [`tree`] | the table tree with statuses, runs of similar tables |
//! | [`picture`] | the tree as of one event of an op's trace (the event-exact picture) |
//! | [`explain`] | why a table was freed or kept, from its trace events |
//! | [`steps`] | the step-through cursor and its moves |
//! | [`bounds`] | floor / ceiling / addr / end at a step, typed by where they came from |
//! | [`spell`] | each event's decision in words |
//! | [`cases`] | the commit message's cases: flush granularity, preset recognition |
//! | [`pages`] | the scenario editor's pages (a long text is edited 500 lines at a time) |
//! | [`editor`] | the scenario editor's document: the page shown, paging, pasting, Ctrl+A |

pub mod axis;
pub mod bounds;
pub mod cases;
pub mod editor;
pub mod explain;
pub mod pages;
pub mod picture;
pub mod spell;
pub mod steps;
pub mod tree;
#[cfg(test)]
mod tree_reference;
pub mod units;

pub use axis::{cluster, interesting, level_size_name, ticks, Axis, Break, Segment, BREAK_W};
pub use bounds::{bounds, Bound, BoundName, Origin};
pub use cases::{flush_granularities, preset_of};
pub use explain::{counts, explain};
pub use picture::{tree_at, Around};
pub use spell::spell;
pub use steps::{cursor, nav, table_at, Cursor, Nav};
pub use tree::{rows, tree, Node, Row, Status, Tree};
pub use units::{human_size, parse_addr, parse_size};
