//! The scenario language (docs/src/reference.md): parser, canonical printer and runner.
//!
//! The parser checks syntax and where the header commands (`arch`, `kernel`,
//! `first_user_address`) stand; the mm checks everything that depends on state (alignment,
//! overlaps, faults outside vmas) when the command runs. Either way an error names its line.

use crate::addr::{AddrRange, VirtAddr};
use crate::arch::ArchId;
use crate::error::{LineErrorKind, OpError, ParseError, ScenarioError};
use crate::mm::{Kernel, Mm, Op, Outcome};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One command of the language.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Command {
    /// `arch NAME`.
    Arch {
        /// The architecture.
        arch: ArchId,
    },
    /// `kernel VERSION`.
    Kernel {
        /// The kernel.
        kernel: Kernel,
    },
    /// `first_user_address HEX`.
    FirstUserAddress {
        /// FIRST_USER_ADDRESS.
        addr: VirtAddr,
    },
    /// Any operation on the mm.
    Op {
        /// The operation.
        op: Op,
    },
}

impl fmt::Display for Command {
    /// The canonical form: keyword, arguments as lower-case hex with `0x`, the name kept.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Arch { arch } => write!(f, "arch {arch}"),
            Command::Kernel { kernel } => write!(f, "kernel {kernel}"),
            Command::FirstUserAddress { addr } => write!(f, "first_user_address {addr}"),
            Command::Op { op } => fmt::Display::fmt(op, f),
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = |f: &mut fmt::Formatter<'_>, kw: &str, r: &AddrRange| {
            write!(f, "{kw} {} {}", r.start, r.end)
        };
        match self {
            Op::Vma { range, name } => {
                r(f, "vma", range)?;
                match name {
                    Some(n) => write!(f, " {n}"),
                    None => Ok(()),
                }
            }
            Op::Touch { addr } => write!(f, "touch {addr}"),
            Op::TouchRange { range } => r(f, "touch", range),
            Op::Munmap { range } => r(f, "munmap", range),
            Op::MmapFail { range } => r(f, "mmapfail", range),
            Op::ZapFail { range } => r(f, "zapfail", range),
            Op::Exit => f.write_str("exit"),
        }
    }
}

/// A command and the line it came from.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Numbered {
    /// 1-based line number.
    pub line: usize,
    /// The command.
    pub command: Command,
}

/// A parsed scenario: the commands in order (empty for an empty scenario).
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct Scenario {
    /// The commands, header first.
    pub commands: Vec<Numbered>,
}

/// The result of parsing as far as possible: the valid prefix and the first bad line.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Parsed {
    /// The commands before the first error.
    pub scenario: Scenario,
    /// The first syntax error, if any.
    pub error: Option<ScenarioError>,
}

/// Parses a hex number: optional `0x`/`0X`, either case, at most 64 bits.
pub fn parse_hex(s: &str) -> Result<u64, ParseError> {
    let digits = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ParseError::BadNumber(s.to_string()));
    }
    u64::from_str_radix(digits, 16).map_err(|_| ParseError::NumberTooLarge(s.to_string()))
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

fn arg_count(command: &str, expected: &str, got: usize) -> ParseError {
    ParseError::ArgCount {
        command: command.to_string(),
        expected: expected.to_string(),
        got,
    }
}

/// Parses one non-empty, comment-free line into a command (position rules are checked by
/// [`Scenario::parse_prefix`]).
pub fn parse_command(line: &str) -> Result<Command, ParseError> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let (kw, args) = words.split_first().expect("caller skips blank lines");
    let range = |kw: &str| -> Result<AddrRange, ParseError> {
        match args {
            [s, e] => Ok(AddrRange::new(
                VirtAddr::new(parse_hex(s)?),
                VirtAddr::new(parse_hex(e)?),
            )),
            _ => Err(arg_count(kw, "START END", args.len())),
        }
    };
    let op = match *kw {
        "arch" => {
            return match args {
                [a] => a
                    .parse()
                    .map(|arch| Command::Arch { arch })
                    .map_err(|_| ParseError::UnknownArch(a.to_string())),
                _ => Err(arg_count("arch", "one name", args.len())),
            }
        }
        "kernel" => {
            return match args {
                [k] => k
                    .parse()
                    .map(|kernel| Command::Kernel { kernel })
                    .map_err(|_| ParseError::UnknownKernel(k.to_string())),
                _ => Err(arg_count("kernel", "one version", args.len())),
            }
        }
        "first_user_address" => {
            return match args {
                [a] => Ok(Command::FirstUserAddress {
                    addr: VirtAddr::new(parse_hex(a)?),
                }),
                _ => Err(arg_count("first_user_address", "one address", args.len())),
            }
        }
        "vma" => match args {
            [s, e] | [s, e, _] => {
                let name = match args.get(2) {
                    Some(n) if valid_name(n) => Some(n.to_string()),
                    Some(n) => return Err(ParseError::BadName(n.to_string())),
                    None => None,
                };
                Op::Vma {
                    range: AddrRange::new(
                        VirtAddr::new(parse_hex(s)?),
                        VirtAddr::new(parse_hex(e)?),
                    ),
                    name,
                }
            }
            _ => return Err(arg_count("vma", "START END [NAME]", args.len())),
        },
        "touch" => match args {
            [a] => Op::Touch {
                addr: VirtAddr::new(parse_hex(a)?),
            },
            [_, _] => Op::TouchRange {
                range: range("touch")?,
            },
            _ => return Err(arg_count("touch", "ADDR or START END", args.len())),
        },
        "munmap" => Op::Munmap {
            range: range("munmap")?,
        },
        "mmapfail" => Op::MmapFail {
            range: range("mmapfail")?,
        },
        "zapfail" => Op::ZapFail {
            range: range("zapfail")?,
        },
        "exit" => match args {
            [] => Op::Exit,
            _ => return Err(arg_count("exit", "no arguments", args.len())),
        },
        other => return Err(ParseError::UnknownCommand(other.to_string())),
    };
    Ok(Command::Op { op })
}

/// Where the parser stands in the header.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Start,
    AfterArch,
    AfterKernel,
    Body,
}

impl Scenario {
    /// Parses the whole text; the first bad line is an error.
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        let parsed = Self::parse_prefix(text);
        match parsed.error {
            Some(e) => Err(e),
            None => Ok(parsed.scenario),
        }
    }

    /// Parses up to the first bad line, keeping the valid commands before it (the CLI prints
    /// their report before the error).
    pub fn parse_prefix(text: &str) -> Parsed {
        let mut commands = Vec::new();
        let mut stage = Stage::Start;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let content = raw.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let err = |e: ParseError| ScenarioError {
                line,
                kind: LineErrorKind::Parse(e),
            };
            let command = match parse_command(content) {
                Ok(c) => c,
                Err(e) => {
                    return Parsed {
                        scenario: Scenario { commands },
                        error: Some(err(e)),
                    }
                }
            };
            let next = match (&command, stage) {
                (Command::Arch { .. }, Stage::Start) => Ok(Stage::AfterArch),
                (Command::Arch { .. }, _) => Err(ParseError::ArchRepeated),
                (_, Stage::Start) => Err(ParseError::ArchNotFirst),
                (Command::Kernel { .. }, Stage::AfterArch) => Ok(Stage::AfterKernel),
                (Command::Kernel { .. }, _) => Err(ParseError::KernelOutOfPlace),
                (Command::FirstUserAddress { .. }, Stage::AfterArch | Stage::AfterKernel) => {
                    Ok(Stage::Body)
                }
                (Command::FirstUserAddress { .. }, _) => {
                    Err(ParseError::FirstUserAddressOutOfPlace)
                }
                (Command::Op { .. }, _) => Ok(Stage::Body),
            };
            match next {
                Ok(s) => stage = s,
                Err(e) => {
                    return Parsed {
                        scenario: Scenario { commands },
                        error: Some(err(e)),
                    }
                }
            }
            commands.push(Numbered { line, command });
        }
        Parsed {
            scenario: Scenario { commands },
            error: None,
        }
    }

    /// The architecture, if the scenario is not empty.
    pub fn arch(&self) -> Option<ArchId> {
        match self.commands.first()?.command {
            Command::Arch { arch } => Some(arch),
            _ => None,
        }
    }

    /// The kernel (default 2.6.12).
    pub fn kernel(&self) -> Kernel {
        self.header_iter()
            .find_map(|c| match c {
                Command::Kernel { kernel } => Some(*kernel),
                _ => None,
            })
            .unwrap_or_default()
    }

    /// FIRST_USER_ADDRESS: the header's, or the arch's (PAGE_SIZE on ARM, 0 elsewhere; 0 for
    /// an empty scenario).
    pub fn first_user_address(&self) -> VirtAddr {
        self.header_iter()
            .find_map(|c| match c {
                Command::FirstUserAddress { addr } => Some(*addr),
                _ => None,
            })
            .unwrap_or_else(|| {
                VirtAddr::new(self.arch().map_or(0, |a| a.arch().first_user_address))
            })
    }

    fn header_iter(&self) -> impl Iterator<Item = &Command> {
        self.commands
            .iter()
            .map(|n| &n.command)
            .take_while(|c| !matches!(c, Command::Op { .. }))
    }

    /// The operations after the header, with their lines.
    pub fn ops(&self) -> impl Iterator<Item = (usize, &Op)> {
        self.commands.iter().filter_map(|n| match &n.command {
            Command::Op { op } => Some((n.line, op)),
            _ => None,
        })
    }

    /// The canonical text: one command per line, comments dropped.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for n in &self.commands {
            s.push_str(&n.command.to_string());
            s.push('\n');
        }
        s
    }

    /// A scenario from a header and operations (lines numbered from 1).
    pub fn from_parts(
        arch: ArchId,
        kernel: Option<Kernel>,
        fua: Option<VirtAddr>,
        ops: Vec<Op>,
    ) -> Self {
        let mut cmds = vec![Command::Arch { arch }];
        if let Some(kernel) = kernel {
            cmds.push(Command::Kernel { kernel });
        }
        if let Some(addr) = fua {
            cmds.push(Command::FirstUserAddress { addr });
        }
        cmds.extend(ops.into_iter().map(|op| Command::Op { op }));
        Scenario {
            commands: cmds
                .into_iter()
                .enumerate()
                .map(|(i, command)| Numbered {
                    line: i + 1,
                    command,
                })
                .collect(),
        }
    }
}

/// One executed command, handed to the visitor of [`run`].
pub struct Step<'a> {
    /// The line it came from.
    pub line: usize,
    /// The command.
    pub command: &'a Command,
    /// What the kernel did (`None` for header commands).
    pub outcome: Option<&'a Outcome>,
    /// The mm after the command (`None` while only the header has been read).
    pub mm: Option<&'a Mm>,
}

/// Runs a scenario, calling `visit` after every command. Stops at the first command the mm
/// refuses and returns that error; the mm as it stood before the bad command is returned
/// either way (`None` for an empty scenario).
pub fn run<F>(scenario: &Scenario, mut visit: F) -> (Option<Mm>, Option<ScenarioError>)
where
    F: FnMut(Step<'_>),
{
    let Some(arch) = scenario.arch() else {
        return (None, None);
    };
    let mut mm: Option<Mm> = None;
    for n in &scenario.commands {
        let op_error = |e: OpError| ScenarioError {
            line: n.line,
            kind: LineErrorKind::Op(e),
        };
        match &n.command {
            Command::Op { op } => {
                let m = match mm.as_mut() {
                    Some(m) => m,
                    None => match Mm::new(arch, scenario.kernel(), scenario.first_user_address()) {
                        Ok(m) => mm.insert(m),
                        Err(e) => return (None, Some(op_error(e))),
                    },
                };
                match m.apply(op) {
                    Ok(outcome) => visit(Step {
                        line: n.line,
                        command: &n.command,
                        outcome: Some(&outcome),
                        mm: Some(m),
                    }),
                    Err(e) => return (mm, Some(op_error(e))),
                }
            }
            header => {
                if let Command::FirstUserAddress { .. } = header {
                    // Validate now so the error names this line.
                    if let Err(e) = Mm::new(arch, scenario.kernel(), scenario.first_user_address())
                    {
                        return (None, Some(op_error(e)));
                    }
                }
                visit(Step {
                    line: n.line,
                    command: &n.command,
                    outcome: None,
                    mm: None,
                });
            }
        }
    }
    if mm.is_none() {
        mm = Mm::new(arch, scenario.kernel(), scenario.first_user_address()).ok();
    }
    (mm, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_forms() {
        assert_eq!(parse_hex("400000"), Ok(0x400000));
        assert_eq!(parse_hex("0x400000"), Ok(0x400000));
        assert_eq!(parse_hex("0X4000FF"), Ok(0x4000ff));
        assert_eq!(parse_hex("ffffffffffffffff"), Ok(u64::MAX));
        assert!(matches!(parse_hex("0x"), Err(ParseError::BadNumber(_))));
        assert!(matches!(parse_hex("12g"), Err(ParseError::BadNumber(_))));
        assert!(matches!(parse_hex("-1"), Err(ParseError::BadNumber(_))));
        assert!(matches!(
            parse_hex("10000000000000000"),
            Err(ParseError::NumberTooLarge(_))
        ));
        // Leading zeros do not count against the width.
        assert_eq!(parse_hex("0000000000000000001"), Ok(1));
    }

    #[test]
    fn header_order_is_enforced() {
        let e = Scenario::parse("vma 0 1000\n").unwrap_err();
        assert_eq!(e.to_string(), "error line 1: arch must come first");
        let e = Scenario::parse("arch x86_64\nvma 0 1000\nkernel 2.6.11\n").unwrap_err();
        assert_eq!(e.line, 3);
        let e = Scenario::parse("arch x86_64\nkernel 2.6.11\nkernel 2.6.11\n").unwrap_err();
        assert_eq!(e.kind, LineErrorKind::Parse(ParseError::KernelOutOfPlace));
        let e =
            Scenario::parse("arch x86_64\nfirst_user_address 1000\nkernel 2.6.11\n").unwrap_err();
        assert_eq!(e.kind, LineErrorKind::Parse(ParseError::KernelOutOfPlace));
        assert!(Scenario::parse("# only a comment\n\n")
            .unwrap()
            .commands
            .is_empty());
    }

    #[test]
    fn canonical_print_round_trips() {
        let text = "  arch sparc64 # c\nkernel 2.6.11\nvma 0X2000 4000 a.b-c_d\ntouch 2001\n";
        let s = Scenario::parse(text).unwrap();
        assert_eq!(
            s.to_text(),
            "arch sparc64\nkernel 2.6.11\nvma 0x2000 0x4000 a.b-c_d\ntouch 0x2001\n"
        );
        let again = Scenario::parse(&s.to_text()).unwrap();
        assert_eq!(again.to_text(), s.to_text());
    }
}
