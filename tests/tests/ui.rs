//! Compile-time checks of `supervision_tree!` and `#[worker]`: every mistake in `ui/fail` must
//! be a compile error with the message in its `.stderr`; every feature in `ui/pass` compiles.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
}
