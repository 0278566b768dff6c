//! Builds the guest component (`hubspot-component`, the workspace root crate) for
//! `wasm32-wasip2` with a nested cargo call, so that one `cargo build` or
//! `cargo test` of this crate also rebuilds the component it embeds.
//!
//! The nested build uses its own target directory (`<target>/guest`): sharing the
//! outer build's directory can dead-lock on cargo's build-directory lock.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

const GUEST_TARGET: &str = "wasm32-wasip2";
const GUEST_PACKAGE: &str = "hubspot-component";
const GUEST_ARTIFACT: &str = "hubspot_component.wasm";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let workspace_root = manifest_dir
        .parent()
        .expect("host-test lives one level below the workspace root")
        .to_path_buf();

    for path in ["src", "wit", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", workspace_root.join(path).display());
    }
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");

    let target_dir = workspace_target_dir(&workspace_root);
    let guest_target_dir = target_dir.join("guest");
    println!(
        "cargo:rustc-env=HUBSPOT_WASMTIME_CACHE_DIR={}",
        target_dir.join("wasmtime-cache").display()
    );
    check_guest_target_installed();

    let cargo = env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut command = Command::new(cargo);
    command
        .current_dir(&workspace_root)
        // `rustc --crate-type cdylib` drops the rlib that the native tests need:
        // building both makes the component about 10 % larger.
        .arg("rustc")
        .arg("--lib")
        .arg("--crate-type")
        .arg("cdylib")
        .arg("--release")
        // This build compiles only the guest, so whole-program settings that would
        // slow the host's build are cheap here.
        .args(["--config", "profile.release.lto=true"])
        .args(["--config", "profile.release.opt-level=\"z\""])
        .args(["--config", "profile.release.codegen-units=1"])
        .args(["--config", "profile.release.panic=\"abort\""])
        .arg("--target")
        .arg(GUEST_TARGET)
        .arg("-p")
        .arg(GUEST_PACKAGE)
        .arg("--manifest-path")
        .arg(workspace_root.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&guest_target_dir);
    remove_outer_build_environment(&mut command);

    let status = command
        .status()
        .unwrap_or_else(|error| fail(&format!("failed to run cargo to build the guest component: {error}")));
    if !status.success() {
        fail(&format!(
            "building the guest component `{GUEST_PACKAGE}` for {GUEST_TARGET} failed ({status}); \
             see the cargo output above. If the target is missing, run `rustup target add {GUEST_TARGET}`."
        ));
    }

    let wasm = guest_target_dir.join(GUEST_TARGET).join("release").join(GUEST_ARTIFACT);
    if !wasm.is_file() {
        fail(&format!(
            "the guest build succeeded but {} does not exist; the guest crate must have \
             crate-type \"cdylib\"",
            wasm.display()
        ));
    }
    println!("cargo:rustc-env=HUBSPOT_COMPONENT_WASM={}", wasm.display());
}

/// Prints `message` for cargo to show and stops the build script, without the
/// panic backtrace that would bury the message.
fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}

/// Returns the workspace's target directory: `CARGO_TARGET_DIR` when set (a relative
/// value is taken relative to the workspace root), else `<workspace root>/target`.
fn workspace_target_dir(workspace_root: &Path) -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace_root.join(dir)
            }
        }
        _ => workspace_root.join("target"),
    }
}

/// Fails the build with the `rustup` command to run when the standard library for
/// `wasm32-wasip2` is not installed.
fn check_guest_target_installed() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| OsString::from("rustc"));
    let output = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", GUEST_TARGET])
        .output();
    let libdir = match output {
        Ok(output) if output.status.success() => {
            PathBuf::from(String::from_utf8_lossy(&output.stdout).trim().to_string())
        }
        // When rustc cannot print the directory, the nested cargo call reports the problem.
        _ => return,
    };
    let has_std = std::fs::read_dir(&libdir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .any(|entry| entry.file_name().to_string_lossy().starts_with("libstd-"))
        })
        .unwrap_or(false);
    if !has_std {
        fail(&format!(
            "the Rust target {GUEST_TARGET} is not installed (no standard library in {}). \
             Run `rustup target add {GUEST_TARGET}` and build again.",
            libdir.display()
        ));
    }
}

/// Removes the variables that cargo sets for this build script and that would
/// change the nested build: flags and target of the host build, its target
/// directory, and the profile, cfg and feature values of this package.
fn remove_outer_build_environment(command: &mut Command) {
    for name in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
    ] {
        command.env_remove(name);
    }
    for (name, _) in env::vars_os() {
        let name_text = name.to_string_lossy();
        if name_text.starts_with("CARGO_PROFILE_")
            || name_text.starts_with("CARGO_CFG_")
            || name_text.starts_with("CARGO_FEATURE_")
        {
            command.env_remove(&name);
        }
    }
}
