//! Build script: Tauri's code generation from `tauri.conf.json` (a symlink to
//! the file at the repository root) and the capability files.

fn main() {
    tauri_build::build();
}
