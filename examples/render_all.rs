//! Renders many kustomization folders in one process through the library, as `lint` will,
//! and reports the time taken. Used by benches/render.sh.

use manifesto::kustomize::load::fs::RealFs;
use manifesto::kustomize::target::{BuildOptions, build};
use std::path::Path;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let root = args.next().expect("usage: render_all ROOT DIR...");
    let dirs: Vec<String> = args.collect();
    let start = Instant::now();
    let mut bytes = 0;
    let mut failed = 0;
    for d in &dirs {
        match build(&RealFs, &Path::new(&root).join(d), &BuildOptions::default()) {
            Ok(r) => bytes += r.to_yaml().len(),
            Err(_) => failed += 1,
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "library: {} folders rendered in {secs:.3}s ({bytes} bytes, {failed} errors)",
        dirs.len()
    );
}
