" Highlighting of the unity.nvim log window (filetype unitylog): the level tag after the time.
if exists("b:current_syntax")
  finish
endif
syntax match UnityLogTime /^\d\d:\d\d:\d\d\.\d\d\d/ nextgroup=UnityLogLog,UnityLogWarning,UnityLogError,UnityLogException,UnityLogAssert skipwhite
syntax match UnityLogLog /LOG / contained
syntax match UnityLogWarning /WARN.*/ contained
syntax match UnityLogError /ERR .*/ contained
syntax match UnityLogException /EXC .*/ contained
syntax match UnityLogAssert /ASRT.*/ contained
syntax match UnityLogMarker /^── .* ──$/
let b:current_syntax = "unitylog"
