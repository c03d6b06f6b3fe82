//! Renders many kustomization folders in one process through the library, as `lint` will:
//! on every core (one build per thread at a time), and reports the time taken. Used by
//! benches/render.sh.

use manifesto::kustomize::load::fs::RealFs;
use manifesto::kustomize::target::{BuildOptions, build};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let root = args.next().expect("usage: render_all ROOT DIR...");
    let dirs: Vec<String> = args.collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let start = Instant::now();
    let next = AtomicUsize::new(0);
    let (bytes, failed) = (AtomicUsize::new(0), AtomicUsize::new(0));
    std::thread::scope(|s| {
        for _ in 0..threads {
            // Builds recurse once per nesting level (kustomize allows 10,000).
            std::thread::Builder::new()
                .stack_size(512 << 20)
                .spawn_scoped(s, || {
                    while let Some(d) = dirs.get(next.fetch_add(1, Ordering::Relaxed)) {
                        match build(&RealFs, &Path::new(&root).join(d), &BuildOptions::default()) {
                            Ok(r) => {
                                bytes.fetch_add(r.to_yaml().len(), Ordering::Relaxed);
                            }
                            Err(_) => {
                                failed.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                })
                .expect("spawn a render thread");
        }
    });
    let secs = start.elapsed().as_secs_f64();
    println!(
        "library: {} folders rendered in {secs:.3}s on {threads} threads ({} bytes, {} errors)",
        dirs.len(),
        bytes.into_inner(),
        failed.into_inner()
    );
}
