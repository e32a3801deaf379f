//! libFuzzer target: `linli_fuzz::api_json` (an API call against the real server in-process).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| linli_fuzz::api_json(data));
