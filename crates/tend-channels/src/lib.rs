//! Where Tend's messages come from. `import` reads the files communities export
//! (one module per format) into domain `IncomingItem`s; raw platform types never
//! leave this crate. Live connectors (`Source` / `Publisher`) come later.

pub mod import;
