//! Where Tend's messages come from and go to. `import` reads the files
//! communities export (one module per format); `live` holds the connectors to
//! the networks themselves, behind the `Source` / `Publisher` contract. Both
//! produce domain `IncomingItem`s: raw platform types never leave this crate.

pub mod import;
pub mod live;
