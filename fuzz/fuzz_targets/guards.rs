//! The .xls and .ods guards with calamine behind them: any bytes end in a
//! table or a refusal, within the time and memory limits, and what is read
//! keeps Excel's limits.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        citizen_core::fuzzing::write_seeds_if_asked();
        citizen_core::fuzzing::tolerate_caught_library_panics();
    },
    |data: &[u8]| citizen_core::fuzzing::spreadsheet_guards(data)
);
