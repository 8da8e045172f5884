" Highlighting of the unity.nvim log window (filetype unitylog): made from the `log.look`
" option, the table the log lines are laid out with (lua/unity/log/look.lua).
if exists("b:current_syntax")
  finish
endif
lua require("unity.log.look").syntax()
let b:current_syntax = "unitylog"
