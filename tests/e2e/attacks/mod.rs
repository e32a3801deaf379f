//! "Security, second round": each defect an attack run found, as the attack was made (the
//! stock JS client, raw requests), on both databases where storage is involved.

mod actors;
mod audit_log;
mod cleanup;
mod emergency;
mod inputs;
mod lockout;
mod memory;
mod slowloris;
mod takeover;
