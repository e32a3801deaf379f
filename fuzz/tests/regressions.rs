//! Replays every input kept under `fuzz/regressions/<target>/` (each a crash or hang the
//! fuzzer once found, kept after the fix) and the real frames the corpora are seeded with.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for dir in [
        root.join("regressions").join(target),
        root.join("../sync-core/tests/fixtures/js"),
    ] {
        for entry in std::fs::read_dir(&dir).expect("read inputs").flatten() {
            let path = entry.path();
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            let bytes = std::fs::read(&path).expect("read input");
            run(&bytes);
            count += 1;
        }
    }
    count
}

#[test]
fn decode_message_inputs() {
    assert!(replay("decode_message", linli_fuzz::decode_message) > 0);
}

#[test]
fn document_id_inputs() {
    assert!(replay("document_id", linli_fuzz::document_id) > 0);
}

#[test]
fn ingest_inputs() {
    assert!(replay("ingest", linli_fuzz::ingest) > 0);
}

/// Every API call with bodies of each kind the fuzzer starts from, as every caller: well-formed
/// JSON of the shapes the API reads, wrong types, broken JSON, nothing, and a long string.
#[test]
fn api_inputs() {
    let long = format!(
        "{{\"name\":\"{}\",\"value\":\"{}\"}}",
        "名".repeat(5000),
        "x".repeat(70_000)
    );
    let bodies: Vec<Vec<u8>> = vec![
        br#"{"name":"admin","password":"wrong","device_name":"fuzz","refresh_token":"x","org":"c01/s02","reason":"check","hours":2,"path":"c01/s09","role":"worker","user":"worker-c01-s01-m01-g01","device":"d","value":"new","note":"ok","status":"approved","ids":["a"],"keep":"a","same":["b"],"document_id":"2VwXZQfUHDX5FBSqXJjLYCcSSUKZ","changes":["AAEC"]}"#.to_vec(),
        br#"{"name":1,"password":[],"org":null,"hours":-1e308,"value":{"a":[1,{"b":null}]},"ids":"x","limit":-5}"#.to_vec(),
        br#"{"value":"#.to_vec(),
        Vec::new(),
        long.into_bytes(),
    ];
    let queries: Vec<Vec<u8>> = vec![
        b"limit=2&offset=1&status=open&from=2026-01-01&to=2026-12-31&org=c01/s01&document=x"
            .to_vec(),
        b"limit=-1&offset=99999999999999999999&from=x&to=2026-13-45&org=../..&action=%00".to_vec(),
    ];
    let mut calls = 0;
    for (n, (method, _)) in linli_fuzz::ENDPOINTS.iter().enumerate() {
        let inputs = if *method == "GET" { &queries } else { &bodies };
        for caller in 0..linli_fuzz::CALLERS {
            for (i, rest) in inputs.iter().enumerate() {
                let mut input = vec![n as u8, caller as u8, (i + 1) as u8];
                input.extend_from_slice(rest);
                linli_fuzz::api_json(&input);
                calls += 1;
            }
        }
    }
    assert!(calls > 100);
    assert!(replay("api_json", linli_fuzz::api_json) > 0);
}
