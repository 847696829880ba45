//! The `service` example, built as a binary of this package so that its process tests can run
//! it (`CARGO_BIN_EXE_service`): the same source, as a module.

#[path = "../../../examples/service.rs"]
mod service;

fn main() -> std::process::ExitCode {
    service::main()
}
