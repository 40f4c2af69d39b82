//! The scenario language (docs/src/reference.md): parser, canonical printer and runner.
//!
//! The parser checks syntax and where the header commands (`arch`, `kernel`,
//! `first_user_address`) stand; the mm checks everything that depends on state (alignment,
//! overlaps, faults outside vmas) when the command runs. Either way an error names its line.

use crate::addr::{AddrRange, VirtAddr};
use crate::arch::ArchId;
use crate::error::{LineErrorKind, OpError, ParseError, ScenarioError};
use crate::mm::{Kernel, Mm, MmConfig, Op, Outcome};
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
    /// `config preempt` | `config nopreempt`: CONFIG_PREEMPT, which sets unmap_vmas'
    /// ZAP_BLOCK_SIZE (8 or 1024 pages) and so what the zap leaves queued for sparc64's
    /// first flush_tlb_pgtables.
    Config {
        /// The option.
        config: ConfigOption,
    },
    /// `max_map_count N` (decimal): sysctl_max_map_count.
    MaxMapCount {
        /// The limit.
        max: u64,
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
        self.write_canonical(f)
    }
}

impl Command {
    /// Writes the canonical form (what `Display` prints) to `out`. Generic, so that the report
    /// fills its `String` directly: it echoes every command, a million times for a million
    /// faults.
    pub fn write_canonical<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        match self {
            Command::Arch { arch } => write!(out, "arch {arch}"),
            Command::Kernel { kernel } => write!(out, "kernel {kernel}"),
            Command::FirstUserAddress { addr } => write!(out, "first_user_address {addr}"),
            Command::Config { config } => write!(out, "config {config}"),
            Command::MaxMapCount { max } => write!(out, "max_map_count {max}"),
            Command::Op { op } => op.write_canonical(out),
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_canonical(f)
    }
}

impl Op {
    /// [`Command::write_canonical`] of an operation: written piece by piece.
    pub fn write_canonical<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        let (keyword, first, second) = match self {
            Op::Vma { range, .. } => ("vma ", range.start, Some(range.end)),
            Op::Touch { addr } => ("touch ", *addr, None),
            Op::TouchRange { range } => ("touch ", range.start, Some(range.end)),
            Op::Munmap { range } => ("munmap ", range.start, Some(range.end)),
            Op::MmapFail { range } => ("mmapfail ", range.start, Some(range.end)),
            Op::ZapFail { range } => ("zapfail ", range.start, Some(range.end)),
            Op::Exit => return out.write_str("exit"),
        };
        out.write_str(keyword)?;
        first.write_hex(out)?;
        if let Some(second) = second {
            out.write_str(" ")?;
            second.write_hex(out)?;
        }
        if let Op::Vma {
            name: Some(name), ..
        } = self
        {
            out.write_str(" ")?;
            out.write_str(name)?;
        }
        Ok(())
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
    // One pass over the bytes (a million-line scenario has a million addresses): a digit
    // that is not hex makes it a bad number, even after the value has outgrown 64 bits.
    let mut value = 0u64;
    let mut too_large = false;
    for b in digits.bytes() {
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => return Err(ParseError::BadNumber(s.to_string())),
        };
        too_large |= value >> 60 != 0;
        value = value << 4 | u64::from(digit);
    }
    if digits.is_empty() {
        return Err(ParseError::BadNumber(s.to_string()));
    }
    if too_large {
        return Err(ParseError::NumberTooLarge(s.to_string()));
    }
    Ok(value)
}

/// Parses a decimal number (as the sysctl takes it), at most 64 bits.
pub fn parse_decimal(s: &str) -> Result<u64, ParseError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseError::BadDecimal(s.to_string()));
    }
    s.parse()
        .map_err(|_| ParseError::NumberTooLarge(s.to_string()))
}

/// A kernel configuration option the model depends on.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConfigOption {
    /// CONFIG_PREEMPT=y: ZAP_BLOCK_SIZE is 8 pages.
    Preempt,
    /// CONFIG_PREEMPT unset (2.6.12's arch/sparc64/defconfig): ZAP_BLOCK_SIZE is 1024 pages.
    #[default]
    NoPreempt,
}

impl ConfigOption {
    /// `preempt` or `nopreempt`.
    pub const fn name(self) -> &'static str {
        match self {
            ConfigOption::Preempt => "preempt",
            ConfigOption::NoPreempt => "nopreempt",
        }
    }
}

impl fmt::Display for ConfigOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ConfigOption {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        [ConfigOption::Preempt, ConfigOption::NoPreempt]
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or(())
    }
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
    parse_words(&Words::split_unicode(line))
}

/// The words of one line: the keyword and up to 4 arguments, in a fixed array rather than a
/// Vec (this runs once per line of scenarios a million lines long). No command takes more
/// than 3 arguments, so 4 slots are enough for every pattern of [`parse_words`], and `got`
/// keeps the true count for the error.
struct Words<'a> {
    keyword: &'a str,
    slots: [&'a str; 4],
    got: usize,
}

impl<'a> Words<'a> {
    fn new() -> Self {
        Words {
            keyword: "",
            slots: [""; 4],
            got: 0,
        }
    }

    fn push(&mut self, word: &'a str) {
        if self.keyword.is_empty() {
            self.keyword = word;
            return;
        }
        if let Some(slot) = self.slots.get_mut(self.got) {
            *slot = word;
        }
        self.got += 1;
    }

    /// Split at Unicode white space (`str::split_whitespace`).
    fn split_unicode(line: &'a str) -> Self {
        let mut words = Words::new();
        for w in line.split_whitespace() {
            words.push(w);
        }
        words
    }

    /// The same split for an ASCII line, a byte at a time: the ASCII characters Rust calls
    /// white space are the space and `\t` to `\r` (vertical tab included). Also returns the
    /// span from the first word's start to the last word's end (`trim`'s result).
    fn split_ascii(line: &'a str) -> (Self, &'a str) {
        let bytes = line.as_bytes();
        let mut words = Words::new();
        let (mut first, mut last) = (None, 0);
        let mut at = 0;
        while at < bytes.len() {
            if is_ascii_space(bytes[at]) {
                at += 1;
                continue;
            }
            let start = at;
            while at < bytes.len() && !is_ascii_space(bytes[at]) {
                at += 1;
            }
            first.get_or_insert(start);
            last = at;
            // `get`, not indexing: the bounds are ASCII positions, and a slice that can panic
            // would bring the panic's formatting code into the wasm.
            words.push(line.get(start..at).unwrap_or_default());
        }
        (
            words,
            first.and_then(|f| line.get(f..last)).unwrap_or_default(),
        )
    }

    fn args(&self) -> &[&'a str] {
        &self.slots[..self.got.min(self.slots.len())]
    }
}

/// `char::is_whitespace` for an ASCII byte.
fn is_ascii_space(b: u8) -> bool {
    b == b' ' || (b'\t'..=b'\r').contains(&b)
}

/// Parses the words of one non-empty line into a command.
fn parse_words(words: &Words<'_>) -> Result<Command, ParseError> {
    let (kw, args, got) = (words.keyword, words.args(), words.got);
    let range = |kw: &str| -> Result<AddrRange, ParseError> {
        match args {
            [s, e] => Ok(AddrRange::new(
                VirtAddr::new(parse_hex(s)?),
                VirtAddr::new(parse_hex(e)?),
            )),
            _ => Err(arg_count(kw, "START END", got)),
        }
    };
    let op = match kw {
        "arch" => {
            return match args {
                [a] => a
                    .parse()
                    .map(|arch| Command::Arch { arch })
                    .map_err(|_| ParseError::UnknownArch(a.to_string())),
                _ => Err(arg_count("arch", "one name", got)),
            }
        }
        "kernel" => {
            return match args {
                [k] => k
                    .parse()
                    .map(|kernel| Command::Kernel { kernel })
                    .map_err(|_| ParseError::UnknownKernel(k.to_string())),
                _ => Err(arg_count("kernel", "one version", got)),
            }
        }
        "first_user_address" => {
            return match args {
                [a] => Ok(Command::FirstUserAddress {
                    addr: VirtAddr::new(parse_hex(a)?),
                }),
                _ => Err(arg_count("first_user_address", "one address", got)),
            }
        }
        "config" => {
            return match args {
                [c] => c
                    .parse()
                    .map(|config| Command::Config { config })
                    .map_err(|_| ParseError::UnknownConfig(c.to_string())),
                _ => Err(arg_count("config", "preempt or nopreempt", got)),
            }
        }
        "max_map_count" => {
            return match args {
                [n] => parse_decimal(n).map(|max| Command::MaxMapCount { max }),
                _ => Err(arg_count("max_map_count", "one decimal number", got)),
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
            _ => return Err(arg_count("vma", "START END [NAME]", got)),
        },
        "touch" => match args {
            [a] => Op::Touch {
                addr: VirtAddr::new(parse_hex(a)?),
            },
            [_, _] => Op::TouchRange {
                range: range("touch")?,
            },
            _ => return Err(arg_count("touch", "ADDR or START END", got)),
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
            _ => return Err(arg_count("exit", "no arguments", got)),
        },
        other => return Err(ParseError::UnknownCommand(other.to_string())),
    };
    Ok(Command::Op { op })
}

/// Where the parser stands in the header: `arch` first, then optionally `kernel`, then the
/// optional `config`, `first_user_address` and `max_map_count` in any order, each at most
/// once, then the operations.
#[derive(Default)]
struct HeaderState {
    arch: bool,
    kernel_allowed: bool,
    body: bool,
    seen: Vec<&'static str>,
}

impl HeaderState {
    /// Checks where `command` stands and records it.
    fn admit(&mut self, command: &Command) -> Result<(), ParseError> {
        let keyword = match command {
            Command::Arch { .. } if self.arch => return Err(ParseError::ArchRepeated),
            Command::Arch { .. } => {
                self.arch = true;
                self.kernel_allowed = true;
                return Ok(());
            }
            _ if !self.arch => return Err(ParseError::ArchNotFirst),
            Command::Kernel { .. } if self.kernel_allowed => {
                self.kernel_allowed = false;
                return Ok(());
            }
            Command::Kernel { .. } => return Err(ParseError::KernelOutOfPlace),
            Command::Op { .. } => {
                self.body = true;
                self.kernel_allowed = false;
                return Ok(());
            }
            Command::FirstUserAddress { .. } => "first_user_address",
            Command::Config { .. } => "config",
            Command::MaxMapCount { .. } => "max_map_count",
        };
        if self.body {
            return Err(match command {
                Command::FirstUserAddress { .. } => ParseError::FirstUserAddressOutOfPlace,
                _ => ParseError::HeaderOutOfPlace(keyword),
            });
        }
        if self.seen.contains(&keyword) {
            return Err(ParseError::HeaderRepeated(keyword));
        }
        self.seen.push(keyword);
        self.kernel_allowed = false;
        Ok(())
    }
}

/// The commands of a scenario, parsed a line at a time from raw bytes (the rules of
/// [`Scenario::parse_prefix_bytes`]): each command with its line, up to and including the
/// first error, then nothing more. `parse_prefix_bytes` collects them; [`run_text`] runs each
/// as it comes.
pub fn parse_lines(bytes: &[u8]) -> ParseLines<'_> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    // Validated once for the whole text rather than line by line: every line before the
    // first invalid byte is then a slice of `text`, and the line holding that byte is the
    // error (no UTF-8 sequence spans a newline, so no line is valid that holds one).
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
    };
    ParseLines {
        bytes,
        text,
        at: 0,
        line: 0,
        header: HeaderState::default(),
        failed: false,
    }
}

/// The iterator of [`parse_lines`].
pub struct ParseLines<'a> {
    bytes: &'a [u8],
    /// The longest prefix of `bytes` that is valid UTF-8.
    text: &'a str,
    /// Where the next line starts.
    at: usize,
    /// The number of the last line read.
    line: usize,
    header: HeaderState,
    failed: bool,
}

impl<'a> ParseLines<'a> {
    /// The next raw line without its `\n` (an error if it is not valid UTF-8). A final `\n`
    /// ends the last line rather than starting an empty one (as `str::lines` has it).
    fn next_raw(&mut self) -> Option<Result<&'a str, ParseError>> {
        let rest = self.bytes.get(self.at..).filter(|r| !r.is_empty())?;
        let len = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let (start, end) = (self.at, self.at + len);
        self.at = end + 1;
        self.line += 1;
        Some(self.text.get(start..end).ok_or(ParseError::InvalidUtf8))
    }
}

impl Iterator for ParseLines<'_> {
    type Item = Result<Numbered, ScenarioError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        while let Some(raw) = self.next_raw() {
            let line = self.line;
            match raw.and_then(|raw| parse_line(raw, &mut self.header)) {
                Ok(Some(command)) => return Some(Ok(Numbered { line, command })),
                Ok(None) => {}
                Err(e) => {
                    self.failed = true;
                    return Some(Err(ScenarioError {
                        line,
                        kind: LineErrorKind::Parse(e),
                    }));
                }
            }
        }
        None
    }
}

/// Parses one raw line (without its `\n`): `Ok(None)` for a blank or comment-only line.
/// Checks where a header command stands against `header`, and records it.
fn parse_line(raw: &str, header: &mut HeaderState) -> Result<Option<Command>, ParseError> {
    let raw = raw.strip_suffix('\r').unwrap_or(raw);
    // `#` is ASCII, so its byte offset is a char boundary.
    let uncommented = match raw.bytes().position(|b| b == b'#') {
        Some(i) => raw.get(..i).unwrap_or_default(),
        None => raw,
    };
    // Scenario lines are ASCII: split them a byte at a time; anything else as Unicode.
    let (words, content) = if uncommented.is_ascii() {
        Words::split_ascii(uncommented)
    } else {
        let content = uncommented.trim();
        (Words::split_unicode(content), content)
    };
    if content.contains('\r') {
        return Err(ParseError::BareCarriageReturn);
    }
    if content.is_empty() {
        return Ok(None);
    }
    let command = parse_words(&words)?;
    header.admit(&command)?;
    Ok(Some(command))
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
        Self::parse_prefix_bytes(text.as_bytes())
    }

    /// [`Scenario::parse_prefix`] for raw bytes, as a file or a pipe gives them: a UTF-8
    /// byte-order mark at the very start is skipped, a line that is not valid UTF-8 is an
    /// error naming that line, and a carriage return anywhere but before a line feed is an
    /// error (a file with CR-only line ends is one long line 1).
    pub fn parse_prefix_bytes(bytes: &[u8]) -> Parsed {
        let mut commands = Vec::new();
        for parsed in parse_lines(bytes) {
            match parsed {
                Ok(n) => commands.push(n),
                Err(e) => {
                    return Parsed {
                        scenario: Scenario { commands },
                        error: Some(e),
                    }
                }
            }
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

    /// CONFIG_PREEMPT (default: unset, as in 2.6.12's sparc64 defconfig).
    pub fn config(&self) -> ConfigOption {
        self.header_iter()
            .find_map(|c| match c {
                Command::Config { config } => Some(*config),
                _ => None,
            })
            .unwrap_or_default()
    }

    /// sysctl_max_map_count (default DEFAULT_MAX_MAP_COUNT, 65536).
    pub fn max_map_count(&self) -> u64 {
        self.header_iter()
            .find_map(|c| match c {
                Command::MaxMapCount { max } => Some(*max),
                _ => None,
            })
            .unwrap_or(crate::mm::DEFAULT_MAX_MAP_COUNT)
    }

    /// The mm settings of the header.
    pub fn mm_config(&self) -> MmConfig {
        MmConfig {
            first_user_address: self.first_user_address(),
            config: self.config(),
            max_map_count: self.max_map_count(),
        }
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
        Self::from_header(
            arch,
            kernel,
            &HeaderLines {
                first_user_address: fua,
                ..HeaderLines::default()
            },
            ops,
        )
    }

    /// A scenario from `arch`, `kernel` and the optional header lines, in the canonical order
    /// `config`, `first_user_address`, `max_map_count` (lines numbered from 1).
    pub fn from_header(
        arch: ArchId,
        kernel: Option<Kernel>,
        header: &HeaderLines,
        ops: Vec<Op>,
    ) -> Self {
        let mut cmds = vec![Command::Arch { arch }];
        if let Some(kernel) = kernel {
            cmds.push(Command::Kernel { kernel });
        }
        if let Some(config) = header.config {
            cmds.push(Command::Config { config });
        }
        if let Some(addr) = header.first_user_address {
            cmds.push(Command::FirstUserAddress { addr });
        }
        if let Some(max) = header.max_map_count {
            cmds.push(Command::MaxMapCount { max });
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

/// The optional header lines after `arch` and `kernel`, as given (absent = the default).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct HeaderLines {
    /// `config`.
    pub config: Option<ConfigOption>,
    /// `first_user_address`.
    pub first_user_address: Option<VirtAddr>,
    /// `max_map_count`.
    pub max_map_count: Option<u64>,
}

impl HeaderLines {
    /// How many lines they take.
    pub fn len(&self) -> usize {
        usize::from(self.config.is_some())
            + usize::from(self.first_user_address.is_some())
            + usize::from(self.max_map_count.is_some())
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The mm settings they give on `arch`.
    pub fn mm_config(&self, arch: ArchId) -> MmConfig {
        let d = MmConfig::defaults(arch);
        MmConfig {
            first_user_address: self.first_user_address.unwrap_or(d.first_user_address),
            config: self.config.unwrap_or(d.config),
            max_map_count: self.max_map_count.unwrap_or(d.max_map_count),
        }
    }

    /// Records one header command (`config`, `first_user_address`, `max_map_count`); other
    /// commands are ignored.
    pub fn record(&mut self, command: &Command) {
        match command {
            Command::Config { config } => self.config = Some(*config),
            Command::FirstUserAddress { addr } => self.first_user_address = Some(*addr),
            Command::MaxMapCount { max } => self.max_map_count = Some(*max),
            _ => {}
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
    let header = Header {
        arch,
        kernel: scenario.kernel(),
        config: scenario.mm_config(),
    };
    let mut mm: Option<Mm> = None;
    let mut outcome = Outcome::default();
    for n in &scenario.commands {
        let ran = run_command(
            &mut mm,
            &mut outcome,
            &header,
            n.line,
            &n.command,
            &mut visit,
        );
        if let Err(e) = ran {
            return (mm, Some(e));
        }
    }
    (mm.or_else(|| header.new_mm().ok()), None)
}

/// Parses and runs a scenario a line at a time, calling `visit` after every command: the same
/// steps, the same first error and the same mm as [`Scenario::parse_prefix_bytes`] followed by
/// [`run`], without holding every parsed command (a million-line scenario then needs the
/// memory of its mm, not of its commands).
pub fn run_text<F>(bytes: &[u8], mut visit: F) -> (Option<Mm>, Option<ScenarioError>)
where
    F: FnMut(Step<'_>),
{
    // Lines are parsed a few hundred ahead so that the mm can warm the caches for the faults
    // to come ([`Runner::run_batch`]); they still run one by one, in order.
    let mut lines = parse_lines(bytes);
    let mut runner = Runner::new();
    let mut parsed = Vec::with_capacity(PARSE_AHEAD);
    loop {
        parsed.extend(lines.by_ref().take(PARSE_AHEAD));
        if parsed.is_empty() || !runner.run_lines(&parsed, &mut visit) {
            break;
        }
        parsed.clear();
    }
    runner.finish()
}

/// How many lines [`run_text`] parses at a time.
const PARSE_AHEAD: usize = 512;

/// How many lines [`Runner::run_batch`] runs, and warms the caches for, at a time.
pub const WARM_AHEAD: usize = 32;

/// The state of a run fed parsed lines in batches, as [`parse_lines`] yields them: what
/// [`run_text`] does with its own parser, for a caller that parses elsewhere (the CLI parses
/// on another thread). Fed the same lines, it makes the same steps, the same error and the
/// same mm.
#[derive(Default)]
pub struct Runner {
    /// The header so far: complete by the first operation, as the header rules put it first.
    /// (A `first_user_address` line is validated before the header lines after it are read;
    /// only FIRST_USER_ADDRESS itself decides that validation.)
    header: Option<(Header, HeaderLines)>,
    mm: Option<Mm>,
    /// One outcome for every command: its event buffer is reused.
    outcome: Outcome,
    /// Why the run stopped, if it did.
    stopped: Option<Stop>,
    /// The addresses of a batch's faults (a buffer kept between batches).
    faults: Vec<VirtAddr>,
    /// True if the previous [`Runner::run_batch`] warmed the batch after its own in both
    /// rounds and the batch after that in the first.
    warmed: bool,
}

/// The addresses of the faults among `lines`, into `out` (cleared first).
fn fault_addresses(lines: &[Result<Numbered, ScenarioError>], out: &mut Vec<VirtAddr>) {
    out.clear();
    out.extend(lines.iter().filter_map(|parsed| match parsed {
        Ok(Numbered {
            command: Command::Op {
                op: Op::Touch { addr },
            },
            ..
        }) => Some(*addr),
        _ => None,
    }));
}

/// Why a [`Runner`] stopped.
enum Stop {
    /// A line did not parse: the mm is created if the header allows, as for a scenario that
    /// ends there.
    Parse(ScenarioError),
    /// The mm refused a command: the mm stays as it was before it (or absent).
    Op(ScenarioError),
}

impl Runner {
    /// A run before its first line.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `lines` in order, calling `visit` after every command, [`WARM_AHEAD`] at a time
    /// ([`Runner::run_batch`]). Returns false once the run has stopped at an error.
    pub fn run_lines<F>(&mut self, lines: &[Result<Numbered, ScenarioError>], visit: &mut F) -> bool
    where
        F: FnMut(Step<'_>),
    {
        let mut at = 0;
        while at < lines.len() {
            let end = (at + WARM_AHEAD).min(lines.len());
            let ahead = lines.get(end..).unwrap_or_default();
            let ahead = ahead.get(..2 * WARM_AHEAD).unwrap_or(ahead);
            if !self.run_batch(&lines[at..end], ahead, visit) {
                return false;
            }
            at = end;
        }
        true
    }

    /// Runs the lines of `batch` in order, calling `visit` after every command. Returns false
    /// once the run has stopped at an error: a bad line, or a command the mm refuses; the
    /// lines after it are dropped.
    ///
    /// `ahead` is what the caller will run next, if it knows (up to two batches): the faults
    /// of a batch are warmed in two rounds ([`Mm::warm_first`], [`Mm::warm_second`]) over the
    /// two calls before the one that runs them, so their memory is on its way while earlier
    /// faults run. A batch whose faults the previous call did not warm is warmed at once.
    pub fn run_batch<F>(
        &mut self,
        batch: &[Result<Numbered, ScenarioError>],
        ahead: &[Result<Numbered, ScenarioError>],
        visit: &mut F,
    ) -> bool
    where
        F: FnMut(Step<'_>),
    {
        if self.stopped.is_some() {
            return false;
        }
        if let Some(m) = &self.mm {
            let next = ahead.get(..WARM_AHEAD).unwrap_or(ahead);
            let after = ahead.get(next.len()..).unwrap_or_default();
            if !self.warmed {
                fault_addresses(batch, &mut self.faults);
                m.warm(&self.faults);
                fault_addresses(next, &mut self.faults);
                m.warm_first(&self.faults);
            }
            fault_addresses(next, &mut self.faults);
            m.warm_second(&self.faults);
            fault_addresses(after, &mut self.faults);
            m.warm_first(&self.faults);
            // Only lines that parsed a whole batch ahead were warmed in both rounds.
            self.warmed = next.len() == WARM_AHEAD;
        }
        for parsed in batch {
            let Numbered { line, command } = match parsed {
                Ok(n) => n,
                Err(e) => {
                    self.stopped = Some(Stop::Parse(e.clone()));
                    return false;
                }
            };
            let (h, lines) = match (&command, self.header.as_mut()) {
                (Command::Arch { arch }, _) => self.header.insert((
                    Header {
                        arch: *arch,
                        kernel: Kernel::default(),
                        config: MmConfig::defaults(*arch),
                    },
                    HeaderLines::default(),
                )),
                (_, Some(h)) => h,
                (_, None) => unreachable!("parse_lines puts arch first"),
            };
            if let Command::Kernel { kernel } = command {
                h.kernel = *kernel;
            }
            lines.record(command);
            h.config = lines.mm_config(h.arch);
            let ran = run_command(&mut self.mm, &mut self.outcome, h, *line, command, visit);
            if let Err(e) = ran {
                self.stopped = Some(Stop::Op(e));
                return false;
            }
        }
        true
    }

    /// The mm after the last command run (`None` for an empty scenario, or if the mm refused
    /// to be created), and the error the run stopped at.
    pub fn finish(self) -> (Option<Mm>, Option<ScenarioError>) {
        match self.stopped {
            Some(Stop::Op(e)) => (self.mm, Some(e)),
            parsed => {
                let mm = match self.header {
                    Some((h, _)) => self.mm.or_else(|| h.new_mm().ok()),
                    None => None,
                };
                let error = match parsed {
                    Some(Stop::Parse(e)) => Some(e),
                    _ => None,
                };
                (mm, error)
            }
        }
    }
}

/// What a scenario's header says: the arch, the kernel and the mm settings.
struct Header {
    arch: ArchId,
    kernel: Kernel,
    config: MmConfig,
}

impl Header {
    fn new_mm(&self) -> Result<Mm, OpError> {
        Mm::with_config(self.arch, self.kernel, self.config)
    }
}

/// Runs one command of a scenario whose header is `header` ([`run`] and [`run_text`] alike):
/// creates the mm at the first operation, validates `first_user_address` on its own line, and
/// calls `visit` unless the command fails. `outcome` is the caller's buffer for what an
/// operation did.
fn run_command<F>(
    mm: &mut Option<Mm>,
    outcome: &mut Outcome,
    header: &Header,
    line: usize,
    command: &Command,
    visit: &mut F,
) -> Result<(), ScenarioError>
where
    F: FnMut(Step<'_>),
{
    let op_error = |e: OpError| ScenarioError {
        line,
        kind: LineErrorKind::Op(e),
    };
    match command {
        Command::Op { op } => {
            let m = match mm {
                Some(m) => m,
                None => mm.insert(header.new_mm().map_err(op_error)?),
            };
            m.apply_into(op, outcome).map_err(op_error)?;
            visit(Step {
                line,
                command,
                outcome: Some(outcome),
                mm: Some(m),
            });
        }
        header_command => {
            if let Command::FirstUserAddress { .. } = header_command {
                // Validate now so the error names this line.
                header.new_mm().map_err(op_error)?;
            }
            visit(Step {
                line,
                command,
                outcome: None,
                mm: None,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One line per step and a summary of the mm: what a run shows a caller.
    fn transcript(
        mut runner: impl FnMut(&mut dyn FnMut(Step<'_>)) -> (Option<Mm>, Option<ScenarioError>),
    ) -> Vec<String> {
        let mut lines = Vec::new();
        let (mm, err) = runner(&mut |step: Step<'_>| {
            lines.push(format!(
                "{} {} {:?} {}",
                step.line,
                step.command,
                step.outcome,
                crate::report::step_lines(
                    step.command,
                    step.outcome,
                    step.mm,
                    crate::report::ReportOptions {
                        visits: true,
                        orphans: true
                    }
                )
            ));
        });
        lines.push(format!(
            "end {:?} {:?} {:?}",
            mm.as_ref().map(|m| (
                m.counts(),
                m.vmas().clone(),
                m.first_user_address(),
                m.kernel()
            )),
            mm.as_ref().map(|m| m.orphans()),
            err
        ));
        lines
    }

    /// The streaming runner takes the same steps, stops at the same error and leaves the same
    /// mm as parsing the whole text and then running it: on every preset, and on texts whose
    /// parse and run errors race each other or whose header lines come in any order.
    #[test]
    fn run_text_matches_parse_then_run() {
        let mut texts: Vec<Vec<u8>> = crate::presets::ALL
            .iter()
            .map(|p| p.text().into_bytes())
            .collect();
        texts.extend(
            [
                &b""[..],
                b"# only a comment\n\n",
                b"vma 0 1000\n",
                b"arch vax\nvma 0 1000\n",
                b"arch x86_64\nvma 400000 401000\ntouch 400000\nkernel 2.6.11\n",
                b"arch x86_64\nvma 400000 401000\ntouch 500000\nbogus\n",
                b"arch x86_64\nvma 400000 401000\nbogus\ntouch 500000\n",
                b"arch x86_64\nkernel 2.6.11\nfirst_user_address 1001\nvma 400000 401000\n",
                b"arch x86_64\nfirst_user_address 2000\n",
                b"arch arm\nmax_map_count 3\nfirst_user_address 2000\nconfig preempt\nvma 2000 3000\n",
                b"arch sparc64\nconfig preempt\nkernel 2.6.11\n",
                b"arch x86_64\nmax_map_count 2\nvma 400000 404000\nmunmap 401000 402000\nexit\n",
                b"arch x86_64\narch x86_64\n",
                b"arch x86_64\nvma 400000 401000 a b\n",
                b"arch x86_64\nexit now\n",
                b"\xef\xbb\xbfarch x86_64\r\nvma 400000 401000\r\ntouch 400000\xff\n",
                b"arch x86_64\rvma 400000 401000\n",
                b"arch x86_64  # c\n  vma 0x400000 0x402000 text  \n\ttouch 400fff\nmunmap 400000 401000\nexit",
            ]
            .map(<[u8]>::to_vec),
        );
        for text in &texts {
            let streamed = transcript(|v| run_text(text, v));
            let whole = transcript(|v| {
                let parsed = Scenario::parse_prefix_bytes(text);
                let (mm, err) = run(&parsed.scenario, v);
                (mm, err.or(parsed.error))
            });
            assert_eq!(
                streamed,
                whole,
                "scenario:\n{}",
                String::from_utf8_lossy(text)
            );
        }
    }

    /// The byte-at-a-time split of ASCII lines gives the words and the trimmed span that
    /// `trim` and `split_whitespace` give, on lines built from every kind of ASCII white space
    /// (vertical tab and form feed included), carriage returns and short words.
    #[test]
    fn ascii_split_matches_unicode_split() {
        let pieces = [
            "", " ", "\t", "\x0b", "\x0c", "\r", "\n", "a", "touch", "0x1f", "\x1f", "#",
        ];
        let mut seed = 0x1205_u64;
        for _ in 0..20_000 {
            let mut line = String::new();
            for _ in 0..(seed % 9) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                line.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            seed = seed.wrapping_add(1);
            let (words, content) = Words::split_ascii(&line);
            let trimmed = line.trim();
            let unicode = Words::split_unicode(trimmed);
            assert_eq!(content, trimmed, "{line:?}");
            assert_eq!(
                (words.keyword, words.args(), words.got),
                (unicode.keyword, unicode.args(), unicode.got),
                "{line:?}"
            );
        }
    }

    #[test]
    fn argument_counts_are_counted_past_four() {
        let e = parse_command("vma 1 2 3 4 5 6").unwrap_err();
        assert_eq!(e, arg_count("vma", "START END [NAME]", 6));
        let e = parse_command("exit a b c d").unwrap_err();
        assert_eq!(e, arg_count("exit", "no arguments", 4));
        assert!(parse_command("touch 1 2 3 4").is_err());
    }

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
