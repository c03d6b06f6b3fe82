//! Seals 1,000 values under the 4096-bit test certificate and reports the time.
//! Used by benches/seal.sh.

use manifesto::seal::{Certificate, encrypt_many};
use std::time::Instant;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fixtures/seal/TEST-ONLY-sealing-cert.pem".into());
    let cert = Certificate::from_pem(&std::fs::read(&path).expect("certificate"))
        .expect("usable certificate");
    let items: Vec<(String, Vec<u8>)> = (0..1000)
        .map(|i| {
            (
                "bench/secret".to_string(),
                format!("value-{i}-{}", "x".repeat(32)).into_bytes(),
            )
        })
        .collect();
    let start = Instant::now();
    let bytes: usize = encrypt_many(&cert, &items)
        .expect("seal")
        .iter()
        .map(Vec::len)
        .sum();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "sealed 1000 values under a 4096-bit certificate in {secs:.3}s ({bytes} bytes of ciphertext; goal < 0.5s)"
    );
}
