//! libFuzzer target: `linli_fuzz::decode_message`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| linli_fuzz::decode_message(data));
