-- The installer (:UnityBuild, build.lua) against a fake release served on 127.0.0.1: this
-- checkout's real module, downloaded into a fresh clone of the plugin tagged v<version>, checked
-- and loaded with cargo absent; each bad release refused with its message, the previous
-- library kept; with cargo present a refusal ends in a build. And release.yml builds the very
-- files the installer asks for.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")

local targets = require("unity.install.targets")
local sha256 = require("unity.install.sha256")
local version = require("unity.version").version
local tag = targets.tag(version)
local _, triple = targets.system()
local file = targets.file(assert(triple, "this system has a release target"))

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

-- The module `make build` put in this checkout: what the fake release serves.
local real = read(T.root .. "/lua/" .. targets.library)

--- A line of a .sha256 file as sha256sum writes it.
local function sum(bytes)
  return sha256.string(bytes) .. "  " .. file .. "\n"
end

--- Serves `files` (name under the tag's folder -> content) over HTTP on 127.0.0.1 with a port
--- of its own; returns the release base URL.
---@param files table<string, string>
local function serve(files)
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir .. "/" .. tag, "p")
  for name, content in pairs(files) do
    write(dir .. "/" .. tag .. "/" .. name, content)
  end
  local port
  local server = vim.system({ "python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir }, {
    stdout = function(_, data)
      port = port or (data and data:match("port (%d+)"))
    end,
    stderr = function() end,
  })
  T.defer(function()
    server:kill("sigterm")
    server:wait(5000)
    vim.fn.delete(dir, "rf")
  end)
  T.wait_for(function()
    return port
  end, "the HTTP server's port")
  return "http://127.0.0.1:" .. port
end

--- A fresh copy of the plugin: a clone of this repository with the working tree's Lua and build
--- files over it (what is tested is what is on disk), tagged v<version> unless `untagged`.
local function plugin(untagged)
  local dir = vim.fn.tempname()
  local function run(cmd)
    local r = vim.system(cmd, { text = true }):wait(60000)
    T.eq(0, r.code, table.concat(cmd, " ") .. ": " .. (r.stderr or ""))
  end
  run({ "git", "clone", "-q", T.root, dir })
  for _, path in ipairs({ "lua/unity", "plugin", "build.lua", "Cargo.toml" }) do
    run({ "cp", "-R", T.root .. "/" .. path, vim.fs.dirname(dir .. "/" .. path) })
  end
  local git = { "git", "-C", dir, "-c", "user.name=spec", "-c", "user.email=spec@localhost" }
  run(vim.list_extend(vim.list_slice(git), { "add", "-A" }))
  run(vim.list_extend(vim.list_slice(git), { "commit", "-q", "--allow-empty", "-m", "the working tree" }))
  if not untagged then
    run(vim.list_extend(vim.list_slice(git), { "tag", tag }))
  end
  T.defer(function()
    vim.fn.delete(dir, "rf")
  end)
  return dir
end

--- PATH without any folder that holds a cargo.
local function path_without_cargo()
  local kept = {}
  for _, dir in ipairs(vim.split(vim.env.PATH, ":", { trimempty = true })) do
    if vim.fn.executable(dir .. "/cargo") == 0 then
      kept[#kept + 1] = dir
    end
  end
  return table.concat(kept, ":")
end

--- Runs the installer in this Neovim (as :UnityBuild does) on the plugin in `root` with `env`
--- set meanwhile; returns whether it installed and what it said.
---@return boolean, string
local function install(root, env)
  local saved = {}
  for k, v in pairs(env) do
    saved[k] = vim.env[k] or false
    vim.env[k] = v
  end
  local said, ok = {}, nil
  require("unity.install").run({
    root = root,
    say = function(text)
      said[#said + 1] = text
    end,
  }, function(r)
    ok = r
  end)
  T.wait_for(function()
    return ok ~= nil
  end, "the installer's end", 120000)
  for k, v in pairs(saved) do
    vim.env[k] = v or nil
  end
  return ok == true, table.concat(said, "\n")
end

--- A fake cargo that records its arguments and "builds" by copying this checkout's module where
--- cargo would put it; returns its path and the record's.
local function fake_cargo()
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, "p")
  T.defer(function()
    vim.fn.delete(dir, "rf")
  end)
  local record, script = dir .. "/calls", dir .. "/cargo"
  write(script, table.concat({
    "#!/bin/sh",
    string.format('echo "$PWD $*" >> %q', record),
    'out="${CARGO_TARGET_DIR:-target}/release"',
    'mkdir -p "$out"',
    string.format('cp %q "$out/libunity_native.so"', T.root .. "/lua/" .. targets.library),
  }, "\n") .. "\n")
  vim.uv.fs_chmod(script, tonumber("755", 8))
  return script, record
end

--- The leftovers a refused download must not leave beside the library.
local function leftovers(root)
  return vim.fn.glob(root .. "/lua/unity_native-*", true, true)
end

-- The bad releases, each with the words of its refusal.
local bad = {
  {
    name = "a wrong checksum",
    files = { [file] = real, [file .. ".sha256"] = string.rep("0", 64) .. "  " .. file .. "\n" },
    says = "does not match its checksum",
  },
  {
    name = "a truncated file",
    files = { [file] = real:sub(1, math.floor(#real / 2)), [file .. ".sha256"] = sum(real) },
    says = "does not match its checksum",
  },
  { name = "a 404", files = {}, says = "404" },
  {
    name = "a file that is no library",
    files = { [file] = "not a library", [file .. ".sha256"] = sum("not a library") },
    says = "does not load in Neovim",
  },
  {
    name = "a library of another version",
    files = (function()
      local other = version:gsub("%d", version:find("9") and "8" or "9")
      local patched, n = real:gsub(vim.pesc(version), other)
      assert(n == 1, "the module holds its version string once, found " .. n)
      return { [file] = patched, [file .. ".sha256"] = sum(patched), other = other }
    end)(),
    says = "reports version",
  },
}

T.test("SHA-256 of known vectors (FIPS 180-4 examples)", function()
  T.eq("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", sha256.string(""), "empty")
  T.eq("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", sha256.string("abc"), "abc")
  T.eq(
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    sha256.string("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
    "two blocks"
  )
  T.eq(
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
    sha256.string(string.rep("a", 1000000)),
    "a million a's"
  )
end)

T.test("build.lua downloads, verifies and installs the release's library with no cargo", function()
  local root = plugin()
  local base = serve({ [file] = real, [file .. ".sha256"] = sum(real) })
  local env = vim.fn.environ()
  env.PATH = path_without_cargo()
  env.UNITY_NVIM_RELEASES_URL = base
  local r = vim
    .system(
      { vim.v.progpath, "--headless", "--clean", "-l", "build.lua" },
      { cwd = root, env = env, clear_env = true, text = true }
    )
    :wait(120000)
  T.eq(0, r.code, "build.lua's exit code; it said:\n" .. r.stdout .. r.stderr)
  T.contains(r.stdout, "downloaded, verified", "what build.lua said")
  T.truthy(read(root .. "/lua/" .. targets.library) == real, "the installed library is the release's")
  local record = require("unity.install").provenance(root)
  T.eq(
    { source = "download", version = version, sha256 = sha256.string(real), url = base .. "/" .. tag .. "/" .. file },
    record,
    "provenance"
  )
  T.eq({}, leftovers(root), "files left beside the library")
  -- It loads where the plugin looks for it, at the plugin's version, and :checkhealth says
  -- where it came from.
  local check = vim
    .system({
      vim.v.progpath,
      "--headless",
      "--clean",
      "--cmd",
      "set rtp^=" .. root,
      "-c",
      "lua local m, e = require('unity.native').get() io.stdout:write(m and m.version or e)",
      "-c",
      "checkhealth unity",
      "-c",
      "lua io.stdout:write('\\n', table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\\n'))",
      "-c",
      "qa!",
    }, { text = true })
    :wait(30000)
  T.eq(version, check.stdout:match("^[^\n]*"), "the version the installed module reports")
  T.contains(
    check.stdout,
    "library downloaded from "
      .. base
      .. "/"
      .. tag
      .. "/"
      .. file
      .. ", sha256 "
      .. sha256.string(real)
      .. " (verified)",
    ":checkhealth unity"
  )
end)

T.test("under lazy.nvim build.lua yields its progress from the build coroutine", function()
  local root = plugin()
  local base = serve({ [file] = real, [file .. ".sha256"] = sum(real) })
  -- As lazy.nvim's build task runs a build file: loadfile, called in a coroutine that its
  -- scheduler resumes from the main loop (on a timer: a vim.schedule chain would starve the
  -- loop's I/O), each yielded string logged as progress.
  local script = vim.fn.tempname() .. ".lua"
  vim.fn.writefile({
    "local chunk = assert(loadfile(" .. vim.inspect(root .. "/build.lua") .. "))",
    "local co, log, err = coroutine.create(chunk), {}, nil",
    "local function step()",
    "  local ok, msg = coroutine.resume(co)",
    "  if not ok then err = msg elseif msg then log[#log + 1] = msg end",
    "  if coroutine.status(co) ~= 'dead' then vim.defer_fn(step, 1) end",
    "end",
    "step()",
    "vim.wait(60000, function() return coroutine.status(co) == 'dead' end, 10)",
    "io.stdout:write(table.concat(log, '\\n'), '\\n', err and ('error: ' .. err) or 'done', '\\n')",
    "vim.cmd('qa!')",
  }, script)
  local env = vim.fn.environ()
  env.PATH = path_without_cargo()
  env.UNITY_NVIM_RELEASES_URL = base
  local r = vim
    .system({ vim.v.progpath, "--headless", "--clean", "-l", script }, { env = env, clear_env = true, text = true })
    :wait(90000)
  T.eq(
    "downloading "
      .. base
      .. "/"
      .. tag
      .. "/"
      .. file
      .. "\n"
      .. require("unity.messages").install_done("download", version)
      .. "\ndone\n",
    r.stdout,
    "what the build task logged; stderr: " .. (r.stderr or "")
  )
  T.truthy(read(root .. "/lua/" .. targets.library) == real, "the release's library in place")
end)

T.test("the releases_url option names the release when no environment variable does", function()
  local root = plugin()
  local base = serve({ [file] = real, [file .. ".sha256"] = sum(real) })
  local saved = vim.env.UNITY_NVIM_RELEASES_URL
  vim.env.UNITY_NVIM_RELEASES_URL = nil
  T.defer(function()
    vim.env.UNITY_NVIM_RELEASES_URL = saved
  end)
  local said, ok = {}, nil
  require("unity.install").run({
    root = root,
    releases_url = base .. "/",
    say = function(text)
      said[#said + 1] = text
    end,
  }, function(r)
    ok = r
  end)
  T.wait_for(function()
    return ok ~= nil
  end, "the installer's end", 120000)
  T.truthy(ok, "installed; said: " .. table.concat(said, "\n"))
  T.eq("download", require("unity.install").provenance(root).source, "source")
end)

for _, case in ipairs(bad) do
  T.test(case.name .. " is refused, the previous library kept, and with no cargo says what to install", function()
    local root = plugin()
    local base = serve(case.files)
    write(root .. "/lua/" .. targets.library, "the previous library")
    write(root .. "/lua/" .. targets.provenance, '{"source":"build"}')
    local ok, said = install(root, { PATH = path_without_cargo(), UNITY_NVIM_RELEASES_URL = base })
    T.eq(false, ok, "installed; said: " .. said)
    T.contains(said, case.says, "the refusal")
    if case.files.other then
      T.contains(said, case.files.other, "the other version named")
    end
    T.contains(said, "cargo is not on PATH; install Rust from https://rustup.rs", "what to install")
    T.eq("the previous library", read(root .. "/lua/" .. targets.library), "the library in place")
    T.eq({ source = "build" }, require("unity.install").provenance(root), "the provenance in place")
    T.eq({}, leftovers(root), "files left beside the library")
  end)
end

T.test("with cargo present every refusal falls back to a build", function()
  local cargo, record = fake_cargo()
  for _, case in ipairs(bad) do
    local root = plugin()
    local base = serve(case.files)
    write(root .. "/lua/" .. targets.library, "the previous library")
    local ok, said = install(root, { CARGO = cargo, UNITY_NVIM_RELEASES_URL = base })
    T.truthy(ok, case.name .. ": built; said: " .. said)
    T.contains(said, case.says, case.name .. ": the refusal said first")
    T.contains(said, "built and installed", case.name .. ": the build")
    T.truthy(read(root .. "/lua/" .. targets.library) == real, case.name .. ": the built library in place")
    T.eq(
      { source = "build", version = version, sha256 = sha256.string(real) },
      require("unity.install").provenance(root),
      case.name .. ": provenance"
    )
    T.contains(read(record), root .. " build --release --features lua", case.name .. ": cargo's call")
  end
end)

T.test("a checkout between tags says there is no release for it", function()
  local root = plugin(true)
  local base = serve({ [file] = real, [file .. ".sha256"] = sum(real) })
  local ok, said = install(root, { PATH = path_without_cargo(), UNITY_NVIM_RELEASES_URL = base })
  T.eq(false, ok, "installed")
  T.contains(said, "no release for this checkout: it is not at a release tag (" .. tag .. ")", "the refusal")
  T.eq(nil, said:find("downloading", 1, true), "nothing downloaded")
end)

T.test("a plugin cloned from elsewhere than GitHub, with no release URL given, says so", function()
  local root = plugin()
  local ok, said = install(root, { PATH = path_without_cargo(), UNITY_NVIM_RELEASES_URL = "" })
  T.eq(false, ok, "installed")
  T.contains(said, "no release source: the plugin's origin is not on GitHub", "the refusal")
end)

T.test("without curl the download says so", function()
  local root = plugin()
  local bin = vim.fn.tempname()
  vim.fn.mkdir(bin, "p")
  T.defer(function()
    vim.fn.delete(bin, "rf")
  end)
  vim.uv.fs_symlink(vim.fn.exepath("git"), bin .. "/git")
  local ok, said = install(root, { PATH = bin, UNITY_NVIM_RELEASES_URL = "http://127.0.0.1:9" })
  T.eq(false, ok, "installed")
  T.contains(said, "failed: curl is not on PATH (install curl)", "the refusal")
end)

T.test("a GitHub origin names its releases, over https or ssh, forks included", function()
  local install_ = require("unity.install")
  local want = "https://github.com/someone/unity.nvim/releases/download"
  for _, origin in ipairs({
    "https://github.com/someone/unity.nvim",
    "https://github.com/someone/unity.nvim.git\n",
    "git@github.com:someone/unity.nvim.git",
    "ssh://git@github.com/someone/unity.nvim/",
  }) do
    T.eq(want, install_.github_releases(origin), origin)
  end
  T.eq(nil, install_.github_releases("https://gitlab.com/someone/unity.nvim"), "elsewhere")
end)

T.test(":UnityBuild returns at once and installs in the background", function()
  local root = plugin()
  local base = serve({ [file] = real, [file .. ".sha256"] = sum(real) })
  local script = vim.fn.tempname() .. ".lua"
  vim.fn.writefile({
    "vim.opt.rtp:prepend(" .. vim.inspect(root) .. ")",
    "vim.cmd.runtime('plugin/unity.lua')",
    "local lib = " .. vim.inspect(root .. "/lua/" .. targets.library),
    "vim.cmd('UnityBuild')",
    -- Nothing can be in place yet: the download runs in curl and ends in a callback.
    "io.stdout:write(vim.uv.fs_stat(lib) and 'in place at once\\n' or 'returned first\\n')",
    "vim.wait(60000, function() return vim.uv.fs_stat(lib) ~= nil end, 20)",
    "io.stdout:write(vim.uv.fs_stat(lib) and 'installed\\n' or 'not installed\\n')",
    "vim.cmd('qa!')",
  }, script)
  local env = vim.fn.environ()
  env.PATH = path_without_cargo()
  env.UNITY_NVIM_RELEASES_URL = base
  local r = vim
    .system({ vim.v.progpath, "--headless", "--clean", "-l", script }, { env = env, clear_env = true, text = true })
    :wait(90000)
  T.eq("returned first\ninstalled\n", r.stdout, "what the child saw; stderr: " .. (r.stderr or ""))
  T.truthy(read(root .. "/lua/" .. targets.library) == real, "the release's library in place")
end)

T.test("on Windows the loaded library is renamed aside first, and old asides removed", function()
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, "p")
  T.defer(function()
    vim.fn.delete(dir, "rf")
  end)
  local lib = dir .. "/unity_native.dll"
  write(lib, "loaded")
  write(lib .. ".old-1", "an aside from before")
  write(dir .. "/new.dll", "new")
  T.eq(nil, require("unity.install").place(dir .. "/new.dll", lib, true), "placed")
  T.eq("new", read(lib), "the new library in place")
  local asides = vim.fn.glob(lib .. ".old-*", true, true)
  T.eq(1, #asides, "asides: " .. vim.inspect(asides))
  T.eq("loaded", read(asides[1]), "the loaded library, renamed aside")
end)

T.test(":checkhealth unity says when the library changed since it was installed", function()
  local root = plugin()
  write(root .. "/lua/" .. targets.library, "replaced by hand")
  write(
    root .. "/lua/" .. targets.provenance,
    vim.json.encode({ source = "download", sha256 = sha256.string(real), version = version })
  )
  local seen = {}
  local h = setmetatable({}, {
    __index = function(_, level)
      return function(text)
        seen[#seen + 1] = level .. ": " .. text
      end
    end,
  })
  require("unity.health").library(h, root)
  T.eq({
    string.format(
      "warn: library sha256 %s, but %s recorded %s when it was installed",
      sha256.string("replaced by hand"),
      targets.provenance,
      sha256.string(real)
    ),
  }, seen, "what health said")
end)

T.test("release.yml builds exactly the files the installer downloads", function()
  local yml = read(T.root .. "/.github/workflows/release.yml")
  local built = {}
  for entry in yml:gmatch("\n%s*%- ({ os: [^\n]-})") do
    local target, ext = entry:match("target: ([%w_.-]+)"), entry:match("ext: (%w+)")
    T.truthy(target and ext, "target and ext in " .. entry)
    built[#built + 1] = "unity_native-" .. target .. "." .. ext
    if target:find("linux", 1, true) then
      T.contains(entry, 'glibc: "2.17"', target .. " is built for glibc 2.17")
    elseif target:find("apple", 1, true) then
      T.truthy(entry:find('macos: "%d+%.%d+"'), target .. " has a deployment target")
    end
  end
  T.contains(yml, "file=unity_native-${{ matrix.target }}.${{ matrix.ext }}", "the asset's name")
  T.contains(yml, '> "$file.sha256"', "the checksum file's name")
  local wanted = {}
  for _, t in pairs(targets.targets) do
    wanted[#wanted + 1] = targets.file(t)
  end
  table.sort(built)
  table.sort(wanted)
  T.eq(wanted, built, "release.yml's files against install/targets.lua's")
end)

T.test("the system detection names each release target and refuses others", function()
  local cases = {
    { { sysname = "Linux", machine = "x86_64" }, false, "x86_64-unknown-linux-gnu" },
    { { sysname = "Linux", machine = "aarch64" }, false, "aarch64-unknown-linux-gnu" },
    { { sysname = "Darwin", machine = "x86_64" }, false, "x86_64-apple-darwin" },
    { { sysname = "Darwin", machine = "arm64" }, false, "aarch64-apple-darwin" },
    { { sysname = "Windows_NT", machine = "x86_64" }, false, "x86_64-pc-windows-msvc" },
    { { sysname = "Windows_NT", machine = "AMD64" }, false, "x86_64-pc-windows-msvc" },
  }
  for _, c in ipairs(cases) do
    local key, t = targets.system(c[1], c[2])
    T.truthy(key, c[1].sysname .. " " .. c[1].machine)
    T.eq(c[3], t, c[1].sysname .. " " .. c[1].machine)
  end
  T.eq({ nil, "linux-x86_64 (musl)" }, { targets.system({ sysname = "Linux", machine = "x86_64" }, true) }, "musl")
  T.eq({ nil, "FreeBSD-x86_64" }, { targets.system({ sysname = "FreeBSD", machine = "x86_64" }, false) }, "FreeBSD")
  T.eq({ nil, "linux-riscv64" }, { targets.system({ sysname = "Linux", machine = "riscv64" }, false) }, "riscv64")
end)

T.test("without a usable library the log commands say how to install it, with no Lua error", function()
  for _, case in ipairs({
    { preload = "error(\"module 'unity_native' not found\")", says = "the native module is missing or does not load" },
    { preload = "return { version = '0.0.1' }", says = "the native module is version 0.0.1 but the plugin is" },
  }) do
    local res = T.child({
      "package.preload.unity_native = function() " .. case.preload .. " end",
      "vim.notify = function(text, level) io.stdout:write(level, ' ', text, '\\n') end",
      "for _, cmd in ipairs({ 'UnityLog', 'UnityQuickfix', 'UnityPick logs' }) do",
      "  local ok, err = pcall(vim.cmd, cmd)",
      "  io.stdout:write(cmd, ok and ' ok' or (' failed: ' .. tostring(err)), '\\n')",
      "end",
    }, 20000)
    T.eq(0, res.code, res.stderr)
    for _, cmd in ipairs({ "UnityLog", "UnityQuickfix", "UnityPick logs" }) do
      T.contains(res.stdout, cmd .. " ok\n", "no Lua error from :" .. cmd)
    end
    local said = vim.split(vim.trim(res.stdout), "\n")
    T.eq(3, #vim.tbl_filter(function(l)
      return l:find(case.says, 1, true) ~= nil and l:find(":UnityBuild", 1, true) ~= nil
    end, said), "each command says what is wrong and how to fix it:\n" .. res.stdout)
  end
end)

T.run()
