//! libFuzzer target: `linli_fuzz::ingest` (frames → connection → policy → commit decision).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| linli_fuzz::ingest(data));
