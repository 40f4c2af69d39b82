//! Typed errors. Each names what is wrong; `Display` gives the text after `error line N: `.

use crate::addr::{AddrRange, VirtAddr};
use serde::Serialize;
use std::fmt;

/// An operation on the mm was refused; the mm is unchanged.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum OpError {
    /// An address that must be page aligned is not.
    Unaligned {
        /// The address.
        addr: VirtAddr,
        /// PAGE_SIZE of the arch.
        page_size: u64,
    },
    /// `START == END`.
    EmptyRange {
        /// The range.
        range: AddrRange,
    },
    /// `START > END`.
    ReversedRange {
        /// The range.
        range: AddrRange,
    },
    /// The range ends above TASK_SIZE.
    AboveTaskSize {
        /// The range.
        range: AddrRange,
        /// TASK_SIZE.
        task_size: VirtAddr,
    },
    /// The range touches sparc64's VA hole.
    InHole {
        /// The range.
        range: AddrRange,
        /// The hole.
        hole: AddrRange,
    },
    /// A new vma would start below FIRST_USER_ADDRESS.
    BelowFirstUserAddress {
        /// The range.
        range: AddrRange,
        /// FIRST_USER_ADDRESS.
        first_user_address: VirtAddr,
    },
    /// FIRST_USER_ADDRESS must lie in user space.
    BadFirstUserAddress {
        /// The value.
        addr: VirtAddr,
    },
    /// A new vma would overlap an existing one.
    Overlap {
        /// The range.
        range: AddrRange,
        /// The vma it overlaps.
        with: AddrRange,
    },
    /// A fault-in that would take the mm past [`crate::mm::MAX_LIVE_TABLES`] live tables.
    TooManyTables {
        /// The range.
        range: AddrRange,
        /// Tables it would allocate.
        new_tables: u64,
        /// Live tables before it.
        live: u64,
        /// The limit.
        limit: u64,
    },
    /// do_mmap_pgoff's `map_count > sysctl_max_map_count`: -ENOMEM.
    MapCount {
        /// mm->map_count.
        map_count: u64,
        /// sysctl_max_map_count.
        max_map_count: u64,
    },
    /// A number wider than the arch's `unsigned long` (32 bits on i386 and ARM).
    WiderThanWord {
        /// The number.
        value: VirtAddr,
        /// Bits in `unsigned long`.
        bits: u32,
    },
    /// A fault outside any vma.
    NotInVma {
        /// The first address not covered.
        addr: VirtAddr,
    },
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpError::Unaligned { addr, page_size } => {
                write!(f, "{addr} is not page aligned (PAGE_SIZE {page_size:#x})")
            }
            OpError::EmptyRange { range } => write!(f, "empty range {range}"),
            OpError::ReversedRange { range } => {
                write!(
                    f,
                    "reversed range: start {} is above end {}",
                    range.start, range.end
                )
            }
            OpError::AboveTaskSize { range, task_size } => {
                write!(f, "range {range} ends above TASK_SIZE {task_size}")
            }
            OpError::InHole { range, hole } => {
                write!(f, "range {range} touches the sparc64 VA hole {hole}")
            }
            OpError::BelowFirstUserAddress {
                range,
                first_user_address,
            } => write!(
                f,
                "range {range} starts below FIRST_USER_ADDRESS {first_user_address}"
            ),
            OpError::BadFirstUserAddress { addr } => {
                write!(f, "FIRST_USER_ADDRESS {addr} is not a user address")
            }
            OpError::Overlap { range, with } => write!(f, "range {range} overlaps vma {with}"),
            OpError::TooManyTables {
                range,
                new_tables,
                live,
                limit,
            } => write!(
                f,
                "faulting in {range} would allocate {new_tables} page tables on top of {live} \
                 live ones; the simulation keeps at most {limit} for the whole mm"
            ),
            OpError::MapCount {
                map_count,
                max_map_count,
            } => write!(
                f,
                "do_mmap_pgoff fails with ENOMEM: map_count {map_count} > max_map_count \
                 {max_map_count}"
            ),
            OpError::WiderThanWord { value, bits } => write!(
                f,
                "{value} does not fit in {bits} bits (an unsigned long on this arch)"
            ),
            OpError::NotInVma { addr } => write!(f, "touch outside any vma at {addr}"),
        }
    }
}

impl std::error::Error for OpError {}

/// A line of scenario text that is not a valid command.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[serde(tag = "error", content = "detail", rename_all = "snake_case")]
pub enum ParseError {
    /// Not a keyword of the language.
    UnknownCommand(String),
    /// `arch` with an unknown name.
    UnknownArch(String),
    /// `kernel` with an unknown version.
    UnknownKernel(String),
    /// Wrong number of arguments.
    ArgCount {
        /// The keyword.
        command: String,
        /// What it takes.
        expected: String,
        /// How many were given.
        got: usize,
    },
    /// Not a hex number.
    BadNumber(String),
    /// A hex number wider than 64 bits.
    NumberTooLarge(String),
    /// A vma name outside `[A-Za-z0-9_.-]+`.
    BadName(String),
    /// A command before `arch`.
    ArchNotFirst,
    /// A second `arch`.
    ArchRepeated,
    /// `kernel` not right after `arch`.
    KernelOutOfPlace,
    /// `first_user_address` not right after `arch` (and `kernel`).
    FirstUserAddressOutOfPlace,
    /// `config` with an unknown option.
    UnknownConfig(String),
    /// Not a decimal number.
    BadDecimal(String),
    /// A header command (`config`, `max_map_count`) after an operation.
    HeaderOutOfPlace(&'static str),
    /// A header command given twice.
    HeaderRepeated(&'static str),
    /// A line that is not valid UTF-8.
    InvalidUtf8,
    /// A carriage return that does not end a line (CR-only line ends).
    BareCarriageReturn,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::UnknownCommand(c) => write!(f, "unknown command '{}'", Escaped(c)),
            ParseError::UnknownArch(a) => {
                write!(
                    f,
                    "unknown arch '{}' (expected x86_64, sparc64, i386, i386-pae or arm)",
                    Escaped(a)
                )
            }
            ParseError::UnknownKernel(k) => {
                write!(
                    f,
                    "unknown kernel '{}' (expected 2.6.12 or 2.6.11)",
                    Escaped(k)
                )
            }
            ParseError::ArgCount {
                command,
                expected,
                got,
            } => write!(f, "{command} takes {expected}, got {got} argument(s)"),
            ParseError::BadNumber(n) => write!(f, "'{}' is not a hex number", Escaped(n)),
            ParseError::NumberTooLarge(n) => {
                write!(f, "'{}' does not fit in 64 bits", Escaped(n))
            }
            ParseError::BadName(n) => write!(
                f,
                "bad vma name '{}' (allowed: letters, digits, _ . -)",
                Escaped(n)
            ),
            ParseError::ArchNotFirst => write!(f, "arch must come first"),
            ParseError::ArchRepeated => write!(f, "arch given twice"),
            ParseError::KernelOutOfPlace => write!(f, "kernel must come right after arch"),
            ParseError::FirstUserAddressOutOfPlace => write!(
                f,
                "first_user_address must come right after arch (and kernel)"
            ),
            ParseError::UnknownConfig(c) => write!(
                f,
                "unknown config '{}' (expected preempt or nopreempt)",
                Escaped(c)
            ),
            ParseError::BadDecimal(n) => write!(f, "'{}' is not a decimal number", Escaped(n)),
            ParseError::HeaderOutOfPlace(k) => {
                write!(f, "{k} must come in the header, before any operation")
            }
            ParseError::HeaderRepeated(k) => write!(f, "{k} given twice"),
            ParseError::InvalidUtf8 => write!(f, "the line is not valid UTF-8"),
            ParseError::BareCarriageReturn => write!(
                f,
                "carriage return inside the line: lines must end in LF or CRLF (CR-only line \
                 ends make the whole file one line)"
            ),
        }
    }
}

impl std::error::Error for ParseError {}

/// Shows user text in an error message with control characters escaped as `\u{1f}`, so that
/// `'401000\u{1f}' is not a hex number` cannot look like a valid number on a terminal.
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "\\u{{{:x}}}", c as u32)?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// What went wrong on a line.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[serde(untagged)]
pub enum LineErrorKind {
    /// The text is not a valid command.
    Parse(ParseError),
    /// The command is valid text but the mm refuses it.
    Op(OpError),
}

/// An error that names its line (1-based): `error line N: WHAT`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct ScenarioError {
    /// The line number, counting from 1 (comments and blank lines count).
    pub line: usize,
    /// What is wrong.
    pub kind: LineErrorKind,
}

impl fmt::Display for LineErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineErrorKind::Parse(e) => e.fmt(f),
            LineErrorKind::Op(e) => e.fmt(f),
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error line {}: {}", self.line, self.kind)
    }
}

impl std::error::Error for ScenarioError {}
