//! Builds the web app (clients/web, TypeScript + Vite) into `$OUT_DIR/web`, which the
//! server embeds and serves at `/`; so `cargo run -p linli-server` needs no separate step.
//! Set `LINLI_SKIP_WEB_BUILD=1` to skip it (the server then serves a page saying so).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

fn main() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../clients/web");
    for input in [
        "src",
        "public",
        "index.html",
        "package.json",
        "vite.config.ts",
        "tsconfig.json",
    ] {
        println!("cargo:rerun-if-changed={}", web.join(input).display());
    }
    println!("cargo:rerun-if-env-changed=LINLI_SKIP_WEB_BUILD");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("web");
    fs::create_dir_all(&out).expect("create $OUT_DIR/web");

    if env::var_os("LINLI_SKIP_WEB_BUILD").is_some() {
        placeholder(
            &out,
            "LINLI_SKIP_WEB_BUILD was set when the server was built",
        );
        return;
    }
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    if Command::new(npm).arg("--version").output().is_err() {
        println!("cargo:warning=npm not found: the web app is not built (install Node.js 20+ and npm, then rebuild)");
        placeholder(&out, "npm was not found when the server was built");
        return;
    }
    if !web.join("node_modules/vite").exists() {
        run(Command::new(npm)
            .args(["install", "--no-audit", "--no-fund"])
            .current_dir(&web));
    }
    run(Command::new(npm)
        .args(["run", "build", "--", "--outDir"])
        .arg(&out)
        .arg("--emptyOutDir")
        .current_dir(&web));
}

fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("could not run {command:?}: {e}"));
    if !output.status.success() {
        panic!(
            "{command:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

fn placeholder(out: &Path, why: &str) {
    let _ = fs::remove_dir_all(out);
    fs::create_dir_all(out).expect("create $OUT_DIR/web");
    fs::write(
        out.join("index.html"),
        format!("<!doctype html><meta charset=utf-8><title>Linli</title><p>邻里 web app not built: {why}. The API is at /api/openapi.json.</p>"),
    )
    .expect("write placeholder");
}
