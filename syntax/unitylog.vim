" Highlighting of the unity.nvim log window (filetype unitylog).
if exists("b:current_syntax")
  finish
endif
syntax match UnityLogTime /^\(\d\d:\d\d:\d\d\|--:--:--\)\.\(\d\d\d\|---\)/ nextgroup=UnityLogLog,UnityLogWarning,UnityLogError,UnityLogException,UnityLogAssert skipwhite
syntax match UnityLogLog /LOG / contained nextgroup=UnityLogText
syntax match UnityLogWarning /WARN.*/ contained contains=UnityLogCount
syntax match UnityLogError /ERR .*/ contained contains=UnityLogCount
syntax match UnityLogException /EXC .*/ contained contains=UnityLogCount
syntax match UnityLogAssert /ASRT.*/ contained contains=UnityLogCount
syntax match UnityLogText /.*/ contained contains=UnityLogCount
syntax match UnityLogCount /  (×\d\+)$/ contained
syntax match UnityLogStack /^    .*/ contains=UnityLogLocation
syntax match UnityLogLocation /(at [^)<][^)]*)/ contained
syntax match UnityLogMarker /^── .* ──$/
let b:current_syntax = "unitylog"
