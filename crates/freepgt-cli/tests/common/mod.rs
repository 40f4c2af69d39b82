//! What the CLI test files share: running the `freepgt` binary as a user does.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `freepgt ARGS` with `stdin` as its standard input (bytes, so a test can send text
/// that is not UTF-8) and returns what it printed and its status.
pub fn freepgt(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_freepgt"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn freepgt");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}
