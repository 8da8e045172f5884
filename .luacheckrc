-- luacheck (Debian `lua-check`), run by `make lint` over lua/, plugin/ and tests/.
std = "luajit"
globals = { "vim" }
-- Layout is stylua's (stylua.toml); a long string it cannot break is no finding.
max_line_length = false
-- `self` unused in a method is not worth a warning.
self = false
-- The type checker's stubs (tests/lint/meta) declare functions with no bodies.
exclude_files = { "target/", ".deps/", "tests/demo/project/", "tests/lint/meta/" }
