//! libFuzzer target: `linli_fuzz::document_id`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| linli_fuzz::document_id(data));
