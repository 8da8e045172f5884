--- Installs the native module: the release's prebuilt library for this system, downloaded,
--- checked (sha256, then loaded in a Neovim of its own) and renamed into place; on any refusal,
--- a build with cargo when cargo is there. Every step runs in another process (vim.system with
--- callbacks), so Neovim's main loop never waits on the network or the compiler.
local targets = require("unity.install.targets")
local messages = require("unity.messages")

local M = {}
local H = {}

--- Seconds curl may spend connecting and in all, per file.
local CONNECT_TIMEOUT, MAX_TIME = 15, 300

---@alias unity.InstallSay fun(text: string, level: integer)

--- Runs `cmd`; `cb(result)` on the main loop.
---@param cmd string[]
---@param opts vim.SystemOpts
---@param cb fun(r: vim.SystemCompleted)
function H.run(cmd, opts, cb)
  opts.text = true
  local ok, err = pcall(vim.system, cmd, opts, vim.schedule_wrap(cb))
  if not ok then
    vim.schedule(function()
      cb({ code = 127, signal = 0, stdout = "", stderr = tostring(err) })
    end)
  end
end

--- The last line of a process's complaint (cargo and curl end with the one that matters).
---@param r vim.SystemCompleted
function H.why(r)
  local last = vim.trim((r.stderr or "") ~= "" and r.stderr or r.stdout or ""):match("[^\n]*$")
  return last ~= "" and last or ("exit code " .. r.code)
end

--- The release base URL: UNITY_NVIM_RELEASES_URL, else the `releases_url` option, else the
--- GitHub releases of the repository the plugin was cloned from (its `origin`: forks work).
---@param root string
---@param option string|false
---@param cb fun(base: string|nil)
function H.base(root, option, cb)
  local given = vim.env.UNITY_NVIM_RELEASES_URL
  given = given and given ~= "" and given or option
  if given then
    return cb((given:gsub("/+$", "")))
  end
  H.run({ "git", "-C", root, "remote", "get-url", "origin" }, {}, function(r)
    cb(r.code == 0 and M.github_releases(r.stdout or "") or nil)
  end)
end

--- The releases URL of a GitHub remote (https or ssh), or nil for a remote elsewhere.
---@param origin string
---@return string|nil
function M.github_releases(origin)
  origin = vim.trim(origin):gsub("/+$", ""):gsub("%.git$", "")
  local owner, repo = origin:match("github%.com[:/]([^/]+)/([^/]+)$")
  return owner and string.format("https://github.com/%s/%s/releases/download", owner, repo) or nil
end

--- The release tag the checkout is at, or nil when it sits between tags.
---@param root string
---@param cb fun(tag: string|nil)
function H.tag(root, cb)
  H.run({ "git", "-C", root, "describe", "--exact-match", "--tags", "HEAD" }, {}, function(r)
    cb(r.code == 0 and vim.trim(r.stdout or "") or nil)
  end)
end

--- Downloads `url` to `out` with curl (which honours the proxy variables of the environment).
---@param url string
---@param out string
---@param cb fun(err: string|nil)
function H.curl(url, out, cb)
  if vim.fn.executable("curl") == 0 then
    return vim.schedule(function()
      cb("curl is not on PATH (install curl)")
    end)
  end
  local cmd = { "curl", "--fail", "--silent", "--show-error", "--location" }
  vim.list_extend(cmd, { "--connect-timeout", tostring(CONNECT_TIMEOUT), "--max-time", tostring(MAX_TIME) })
  vim.list_extend(cmd, { "--output", out, url })
  H.run(cmd, {}, function(r)
    cb(r.code ~= 0 and H.why(r) or nil)
  end)
end

--- Puts `tmp` in place of `lib` by a rename, never a write into a file a running Neovim has
--- mapped. Windows refuses to replace a loaded .dll but lets it be renamed: the old one goes
--- aside first, and asides no process holds any more are removed.
---@param tmp string
---@param lib string
---@param windows boolean
---@return string|nil err
function M.place(tmp, lib, windows)
  if windows then
    for _, old in ipairs(vim.fn.glob(lib .. ".old-*", true, true)) do
      os.remove(old)
    end
    if vim.uv.fs_stat(lib) then
      local ok, err = os.rename(lib, lib .. ".old-" .. vim.uv.hrtime())
      if not ok then
        return err
      end
    end
  end
  local ok, err = vim.uv.fs_rename(tmp, lib)
  return not ok and err or nil
end

--- Writes the provenance file beside the library (by a rename too).
---@param dir string
---@param record table
function H.record(dir, record)
  local path = dir .. "/" .. targets.provenance
  local f = io.open(path .. ".tmp", "w")
  if f then
    f:write(vim.json.encode(record), "\n")
    f:close()
    vim.uv.fs_rename(path .. ".tmp", path)
  end
end

--- The provenance record of the library in `root`, or nil.
---@param root string
---@return {source: string, version?: string, sha256?: string, url?: string}|nil
function M.provenance(root)
  local f = io.open(root .. "/lua/" .. targets.provenance, "r")
  if not f then
    return nil
  end
  local ok, record = pcall(vim.json.decode, f:read("*a") or "")
  f:close()
  return ok and type(record) == "table" and record or nil
end

--- Downloads, checks and places the release's library. `cb(nil)` once it is in place, else
--- `cb(refusal)` with the refusal as data for messages.install.
---@param s {root: string, version: string, option: string|false, say: unity.InstallSay}
---@param cb fun(refusal: table|nil)
function H.download(s, cb)
  local key, triple = targets.system()
  if not key then
    return cb({ kind = "unknown_system", system = triple })
  end
  H.tag(s.root, function(tag)
    local want = targets.tag(s.version)
    if tag ~= want then
      return cb({ kind = "no_release", tag = tag, want = want })
    end
    H.base(s.root, s.option, function(base)
      if not base then
        return cb({ kind = "no_source" })
      end
      local file = targets.file(assert(triple))
      local url = string.format("%s/%s/%s", base, tag, file)
      local dir = s.root .. "/lua"
      -- Beside the library, so that the rename is atomic; named so that no loader finds it.
      local tmp =
        string.format("%s/unity_native-download-%d.%s", dir, vim.uv.os_getpid(), targets.library:match("%w+$"))
      local sum = vim.fn.tempname()
      local function refuse(r)
        os.remove(tmp)
        os.remove(sum)
        cb(r)
      end
      s.say(messages.install_downloading(url), vim.log.levels.INFO)
      H.curl(url .. ".sha256", sum, function(err)
        if err then
          return refuse({ kind = "download", url = url .. ".sha256", why = err })
        end
        local f = io.open(sum, "r")
        local expected = f and f:read("*a"):match("^%s*(%x+)") or nil
        if f then
          f:close()
        end
        if not expected or #expected ~= 64 then
          return refuse({ kind = "bad_sum_file", url = url .. ".sha256" })
        end
        expected = expected:lower()
        H.curl(url, tmp, function(err2)
          if err2 then
            return refuse({ kind = "download", url = url, why = err2 })
          end
          H.probe(s.root, tmp, expected, function(p)
            if p.sha256 ~= expected then
              return refuse({ kind = "checksum", url = url, want = expected, got = p.sha256 })
            elseif p.error or not p.version then
              return refuse({ kind = "no_load", url = url, why = p.error or "it reported no version" })
            elseif p.version ~= s.version then
              return refuse({ kind = "wrong_version", url = url, got = p.version, want = s.version })
            end
            local perr = M.place(tmp, dir .. "/" .. targets.library, vim.fn.has("win32") == 1)
            if perr then
              return refuse({ kind = "place", why = perr })
            end
            os.remove(sum)
            H.record(dir, { source = "download", version = p.version, sha256 = expected, url = url })
            cb(nil)
          end)
        end)
      end)
    end)
  end)
end

--- Hashes `file` in another Neovim and, if the hash is `expected`, loads it there.
---@param root string
---@param file string
---@param expected string
---@param cb fun(p: {sha256?: string, version?: string, error?: string})
function H.probe(root, file, expected, cb)
  local script = root .. "/lua/unity/install/probe.lua"
  H.run({ vim.v.progpath, "--headless", "--clean", "-l", script, root, file, expected }, {}, function(r)
    local ok, p = pcall(vim.json.decode, r.stdout or "")
    if not ok or type(p) ~= "table" then
      p = { sha256 = expected, error = "the test load ended with " .. H.why(r) }
    end
    cb(p)
  end)
end

--- Builds the library with cargo and places it. `cb(nil)` once in place, else a refusal.
---@param s {root: string, version: string, say: unity.InstallSay}
---@param cb fun(refusal: table|nil)
function H.build(s, cb)
  local cargo = vim.env.CARGO and vim.env.CARGO ~= "" and vim.env.CARGO or "cargo"
  if vim.fn.executable(cargo) == 0 then
    return cb({ kind = "no_cargo", windows = vim.fn.has("win32") == 1 })
  end
  s.say(messages.install_building(s.root), vim.log.levels.INFO)
  H.run({ cargo, "build", "--release", "--features", "lua" }, { cwd = s.root }, function(r)
    if r.code ~= 0 then
      return cb({ kind = "build_failed", why = H.why(r) })
    end
    local out = vim.env.CARGO_TARGET_DIR or "target"
    out = (vim.fn.fnamemodify(out, ":p") == out and out or s.root .. "/" .. out) .. "/release/"
    local built
    for _, name in ipairs({ "libunity_native.so", "libunity_native.dylib", "unity_native.dll" }) do
      built = built or (vim.uv.fs_stat(out .. name) and out .. name)
    end
    if not built then
      return cb({ kind = "build_failed", why = "no library in " .. out })
    end
    local dir = s.root .. "/lua"
    local tmp = string.format("%s/unity_native-build-%d.%s", dir, vim.uv.os_getpid(), targets.library:match("%w+$"))
    local ok, err = vim.uv.fs_copyfile(built, tmp)
    local perr = ok and M.place(tmp, dir .. "/" .. targets.library, vim.fn.has("win32") == 1) or err
    if perr then
      os.remove(tmp)
      return cb({ kind = "place", why = perr })
    end
    H.record(dir, { source = "build", version = s.version, sha256 = require("unity.install.sha256").file(built) })
    cb(nil)
  end)
end

local running = false

--- Installs the native module of the plugin in `opts.root` (default: this one): download, and
--- on a refusal a build. `say(text, level)` hears each step in one line; `done(ok)` ends it.
---@param opts {root?: string, releases_url?: string|false, say: unity.InstallSay}
---@param done fun(ok: boolean)
function M.run(opts, done)
  if running then
    opts.say(messages.install_busy(), vim.log.levels.WARN)
    return done(false)
  end
  running = true
  local function finish(ok)
    running = false
    done(ok)
  end
  local version = require("unity.version")
  local root = opts.root or version.root
  local s = {
    root = root,
    version = root == version.root and version.version or (version.read(root) or "unknown"),
    option = opts.releases_url or false,
    say = opts.say,
  }
  H.download(s, function(refusal)
    if not refusal then
      opts.say(messages.install_done("download", s.version), vim.log.levels.INFO)
      return finish(true)
    end
    opts.say(messages.install_refused(refusal), vim.log.levels.WARN)
    H.build(s, function(failure)
      if failure then
        opts.say(messages.install_refused(failure), vim.log.levels.ERROR)
        return finish(false)
      end
      opts.say(messages.install_done("build", s.version), vim.log.levels.INFO)
      finish(true)
    end)
  end)
end

--- :UnityBuild: installs in the background, saying each step; the new library is loaded by
--- the next Neovim (this one keeps the module it has mapped).
function M.command()
  M.run({
    releases_url = require("unity.config").options.install.releases_url,
    say = function(text, level)
      messages.notify(text, level)
    end,
  }, function(ok)
    if ok and package.loaded.unity_native then
      messages.notify(messages.install_restart(), vim.log.levels.INFO)
    end
  end)
end

--- build.lua, run by lazy.nvim in a coroutine of its own (it shows what is yielded as progress)
--- or by `nvim -l build.lua`: installs, and raises the reason when nothing could be installed.
function M.build_file()
  local lines, shown, result = {}, 0, nil
  M.run({
    releases_url = require("unity.config").options.install.releases_url,
    say = function(text)
      lines[#lines + 1] = text
    end,
  }, function(ok)
    result = ok
  end)
  local co, main = coroutine.running()
  local lazy = co ~= nil and not main
  while result == nil or shown < #lines do
    if shown < #lines then
      shown = shown + 1
      if lazy then
        ---@diagnostic disable-next-line: await-in-sync (lazy.nvim's build coroutine)
        coroutine.yield(lines[shown])
      else
        io.stdout:write(lines[shown], "\n")
      end
    elseif lazy then
      ---@diagnostic disable-next-line: await-in-sync (lazy.nvim's build coroutine)
      coroutine.yield()
    else
      vim.wait(100, function()
        return result ~= nil or shown < #lines
      end)
    end
  end
  if not result then
    error(lines[#lines], 0)
  end
end

return M
