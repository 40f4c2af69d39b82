//! freepgt: a deterministic simulation of how Linux frees page tables, as of the 2.6.12 patch
//! "freepgt: free_pgtables use vma list" (Hugh Dickins, e0da382c), and of the 2.6.11 code it
//! replaced.
//!
//! The crate is std-only (serde for the trace's JSON form) and compiles natively and to
//! wasm32. An [`Mm`] holds a vma list and a sparse page-table tree; each [`Op`] returns an
//! [`Outcome`] whose ordered [`Event`] trace records every decision the kernel makes. The
//! scenario language ([`Scenario`]) and the report format ([`report::report`]) are the
//! contract of docs/src/reference.md.
#![warn(missing_docs)]
// The one exception is the prefetch hint (prefetch.rs).
#![deny(unsafe_code)]

pub mod addr;
pub mod arch;
mod blockmap;
mod clear;
pub mod compare;
pub mod error;
pub mod flush;
mod freepgt;
pub mod mm;
pub mod pgtable;
mod prefetch;
pub mod presets;
pub mod report;
pub mod scenario;
pub mod share;
pub mod sort;
pub mod trace;
pub mod tracefmt;
pub mod vma;
mod walker;

pub use addr::{AddrRange, Ceiling, Floor, VirtAddr};
pub use arch::{Arch, ArchId, Level};
pub use error::{LineErrorKind, OpError, ParseError, ScenarioError};
pub use mm::{Kernel, Mm, Op, Outcome};
pub use pgtable::{TableCounts, TableInfo};
pub use scenario::{run, Command, Scenario};
pub use trace::{Bug, Event, FlushCall, FreeTest, KeepReason, TableKey, Visits, VpteCost};
pub use vma::Vma;
