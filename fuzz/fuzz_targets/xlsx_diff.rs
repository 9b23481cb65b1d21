//! The fast xlsx path against calamine: the same cells, or both refuse the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        citizen_core::fuzzing::write_seeds_if_asked();
        citizen_core::fuzzing::tolerate_caught_library_panics();
    },
    |data: &[u8]| citizen_core::fuzzing::xlsx_differential(data)
);
