-- Paths as Windows writes them (drive letters, `\`, any case), checked on every system.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")
local paths = require("unity.paths")

local function as_windows(fn)
  local was = paths.windows
  paths.windows = true
  local ok, err = pcall(fn)
  paths.windows = was
  assert(ok, err)
end

T.test("Windows: drive letters are absolute, `\\` is a separator, case does not matter", function()
  as_windows(function()
    T.eq(true, paths.is_absolute([[C:\Game\Assets\A.cs]]), "C:\\")
    T.eq(true, paths.is_absolute("c:/Game/Assets/A.cs"), "c:/")
    T.eq(false, paths.is_absolute([[Assets\Scripts\A.cs]]), "relative")
    T.eq("C:/Game/Assets/Scripts/A.cs", paths.absolute("C:/Game", [[Assets\Scripts\A.cs]]), "relative to the project")
    T.eq("C:/Game/Assets/A.cs", paths.absolute("C:/Game", [[.\Assets\A.cs]]), "./")
    T.eq("C:/Other/A.cs", paths.absolute("C:/Game", [[C:\Other\A.cs]]), "absolute kept")
    T.eq(true, paths.same([[C:\Game\Assets\A.cs]], "c:/game/assets/a.cs"), "same file")
    T.eq("Assets/A.cs", paths.inside("C:/Game", [[c:\GAME\Assets\A.cs]]), "inside, any case")
    T.eq(nil, paths.inside("C:/Game", "C:/Gamer/A.cs"), "a sibling is not inside")
  end)
end)

T.test("elsewhere: `/` only, and case matters", function()
  local was = paths.windows
  paths.windows = false
  T.eq(false, paths.is_absolute("C:/Game"), "no drive letters")
  T.eq("/p/Assets/A.cs", paths.absolute("/p", "./Assets/A.cs"), "relative")
  T.eq(false, paths.same("/p/A.cs", "/p/a.cs"), "case")
  T.eq("Assets/A.cs", paths.inside("/p", "/p/Assets/A.cs"), "inside")
  paths.windows = was
end)

T.test("compile results and Unity's open name Windows files in the project", function()
  as_windows(function()
    T.eq("C:/Game/Assets/A.cs", require("unity.compile").resolve("C:/Game", [[Assets\A.cs]]), "compile, relative")
    T.eq("D:/Pkg/B.cs", require("unity.compile").resolve("C:/Game", [[D:\Pkg\B.cs]]), "compile, absolute")
    T.eq("Assets/A.cs", require("unity.autorefresh").relative("C:/Game", [[c:\game\Assets\A.cs]]), "refresh on save")
  end)
end)

T.run()
