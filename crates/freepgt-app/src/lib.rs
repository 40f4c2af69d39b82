//! freepgt playground: the browser front end.
//!
//! [`state`] (the reducer and the run scenario) and [`model`] (view models) are plain Rust
//! and test natively; everything that touches the browser is in the `web` module, built only
//! for wasm32.

pub mod embed_snippets;
pub mod help_page;
pub mod model;
pub mod sort;
pub mod state;

#[cfg(target_arch = "wasm32")]
mod web;

/// Mounts the app (wasm32) and installs the panic banner and the `window.freepgtApp` hook.
#[cfg(target_arch = "wasm32")]
pub fn run() {
    web::run();
}

/// Natively there is nothing to mount.
#[cfg(not(target_arch = "wasm32"))]
pub fn run() {
    eprintln!("freepgt-app is a WebAssembly app: build it with `trunk build --release`");
}
