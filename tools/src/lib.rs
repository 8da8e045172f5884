//! Stand-ins for the Unity editor, for unity.nvim's tests, `make demo` and `make bench`: the
//! simulated editor `unity-sim`, the benchmark's peer `unity-flood`, and what they share. Not
//! part of the plugin: `make` builds the module alone, and Neovim never creates a rendezvous.

pub mod args;
pub mod files;
pub mod json;
pub mod refresh;
pub mod rendezvous;
pub mod test_runner;
