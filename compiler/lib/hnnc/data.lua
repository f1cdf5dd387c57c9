-- hnnc.data: hn.data{...}, a data set declared in the model file. This
-- file checks the declaration and draws the initial states that a Lua
-- function gives (from hnnc's seeded generator, so they are the same on
-- every run); the C side (compiler/front_data.c) loads the system and
-- keeps the recipe, which `hnnc train`, `evaluate` and `data` follow.
-- Every error names the user's hn.data line.
local core = ...

local accepted = {"atol", "eval", "files", "integrator", "name", "noise", "pad", "published", "rtol", "split",
                  "system", "t", "times", "trajectories", "x0"}
local eval_accepted = {"atol", "rollouts", "rtol", "t", "times", "x0"}

local function fail(msg) error("hn.data: " .. msg, 0) end

-- the alphabetically first key of tbl not in list (stable under pairs order)
local function stray(tbl, list)
  local ok, bad = {}, nil
  for _, k in ipairs(list) do ok[k] = true end
  for k in next, tbl do
    local s = type(k) == "string" and k or nil
    if (not s and math.type(k) ~= "integer") or (s and not ok[s]) then
      s = s or tostring(k)
      if not bad or s < bad then bad = s end
    end
  end
  return bad
end

local function check_keys(tbl, list, what)
  local bad = stray(tbl, list)
  if bad then fail("unknown key '" .. bad .. "' in " .. what .. " (accepted: " .. table.concat(list, ", ") .. ")") end
end

local function number(v, what)
  if type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge then
    fail(what .. " must be a finite number, not " .. (type(v) == "number" and tostring(v) or type(v)))
  end
  return v + 0.0
end

local function count(v, what, lo)
  if math.type(v) ~= "integer" and not (type(v) == "number" and v == math.floor(v)) then
    fail(what .. " must be an integer, not " .. tostring(v))
  end
  v = math.tointeger(v)
  if not v or v < lo or v > 100000000 then fail(what .. " must be an integer >= " .. lo) end
  return v
end

local function list_of_numbers(v, what)
  if type(v) ~= "table" then fail(what .. " must be a list of numbers") end
  local out = {}
  for i = 1, #v do out[i] = number(v[i], what .. "[" .. i .. "]") end
  return out
end

-- a box: {lo, hi} for every component or {{lo1, hi1}, ...} per component
local function box(v, n, what)
  if type(v) ~= "table" or #v == 0 then fail(what .. " must be {lo, hi} or {{lo1, hi1}, ..., {lo" .. n .. ", hi" .. n .. "}}") end
  local lo, hi = {}, {}
  if type(v[1]) == "number" then
    if #v ~= 2 then fail(what .. " = {lo, hi} has " .. #v .. " values") end
    for c = 1, n do lo[c], hi[c] = number(v[1], what), number(v[2], what) end
  else
    if #v ~= n then fail(what .. " has " .. #v .. " ranges, the state needs " .. n) end
    for c = 1, n do
      local r = list_of_numbers(v[c], what .. "[" .. c .. "]")
      if #r ~= 2 then fail(what .. "[" .. c .. "] must be {lo, hi}") end
      lo[c], hi[c] = r[1], r[2]
    end
  end
  for c = 1, n do
    if not (lo[c] <= hi[c]) then fail(what .. "[" .. c .. "]: lo " .. lo[c] .. " > hi " .. hi[c]) end
  end
  return lo, hi
end

-- one state of dim numbers
local function state(v, dim, what)
  local s = list_of_numbers(v, what)
  if #s ~= dim then
    fail(what .. " has " .. #s .. " values, the system's state has " .. dim)
  end
  return s
end

-- a sampler: a normalized table for the C side
local function sampler(v, dim, n, stream, what)
  if type(v) == "function" then
    local rng, states = core.rng(stream), {}
    for j = 1, n do
      local ok = v(rng)
      if type(ok) ~= "table" then fail(what .. ": the function returned " .. type(ok) .. ", not a list of " .. dim .. " numbers") end
      states[j] = state(ok, dim, what .. ": state " .. j .. " of the function")
    end
    return {kind = "list", list = states, drawn = true}
  end
  if type(v) ~= "table" then fail(what .. " must be a table or a function(rng), not " .. type(v)) end
  if v.box ~= nil then
    check_keys(v, {"box"}, what)
    local lo, hi = box(v.box, dim, what .. ".box")
    return {kind = "box", lo = lo, hi = hi}
  elseif v.shell ~= nil then
    check_keys(v, {"shell"}, what)
    local r = list_of_numbers(v.shell, what .. ".shell")
    if #r ~= 2 or not (0 <= r[1] and r[1] <= r[2]) then fail(what .. ".shell must be {r_lo, r_hi} with 0 <= r_lo <= r_hi") end
    return {kind = "shell", r_lo = r[1], r_hi = r[2]}
  elseif v.energy ~= nil then
    check_keys(v, {"energy", "q"}, what)
    if dim % 2 ~= 0 then fail(what .. ": an energy shell needs a state (q, p) of even size") end
    if v.q == nil then fail(what .. ": the energy shell needs q = {lo, hi}, the box its positions are drawn from") end
    local lo, hi = box(v.q, dim // 2, what .. ".q")
    return {kind = "energy", energy = number(v.energy, what .. ".energy"), lo = lo, hi = hi}
  end
  local bad = stray(v, {})
  if bad then
    fail("unknown key '" .. bad .. "' in " .. what .. " (a sampler is {box = ...}, {shell = ...}, " ..
         "{energy = E, q = ...}, a list of states or a function(rng))")
  end
  if #v == 0 then fail(what .. " is empty") end
  if type(v[1]) == "number" then return {kind = "list", list = {state(v, dim, what)}} end
  local states = {}
  for j = 1, #v do states[j] = state(v[j], dim, what .. "[" .. j .. "]") end
  return {kind = "list", list = states}
end

-- {t0, t1, points = N} or times = {...}: the sample times
local function grid(t, times, what)
  if t ~= nil and times ~= nil then fail("give " .. what .. "t or " .. what .. "times, not both") end
  if times ~= nil then
    local g = list_of_numbers(times, what .. "times")
    if #g < 2 then fail(what .. "times needs at least 2 values") end
    for k = 2, #g do
      if not (g[k] > g[k - 1]) then
        fail(what .. "times must be increasing: times[" .. k .. "] = " .. g[k] .. " <= times[" .. (k - 1) .. "] = " .. g[k - 1])
      end
    end
    return {t0 = g[1], t1 = g[#g], points = #g, times = g}
  end
  if type(t) ~= "table" then fail(what .. "t = {t0, t1, points = N} is missing (or times = {...})") end
  check_keys(t, {"points"}, what .. "t")
  if #t ~= 2 or t.points == nil then
    fail(what .. "t must be {t0, t1, points = N} (a given grid is times = {...})")
  end
  local t0, t1 = number(t[1], what .. "t[1]"), number(t[2], what .. "t[2]")
  if not (t1 > t0) then fail(what .. "t: the grid is not increasing (t1 = " .. t1 .. " <= t0 = " .. t0 .. ")") end
  return {t0 = t0, t1 = t1, points = count(t.points, what .. "t.points", 2)}
end

-- the split by trajectory: the part named comes first
local function split_of(spec)
  local split = spec.split or {train = 0.8}
  if type(split) ~= "table" then fail("split must be {train = f} or {test = f}") end
  check_keys(split, {"test", "train"}, "split")
  if (split.train == nil) == (split.test == nil) then fail("split must be {train = f} or {test = f} (one of them)") end
  local f = number(split.train or split.test, "split")
  if f < 0 or f > 1 then fail("split: the fraction must be in [0, 1]") end
  return f, split.test ~= nil
end

-- the energy metric's rollouts (given = the declared sampler, n its size)
local function rollouts(d, ev, x0, g, dim)
  check_keys(ev, eval_accepted, "eval")
  local eg = (ev.t ~= nil or ev.times ~= nil) and grid(ev.t, ev.times, "eval.") or g
  if eg and eg.times then fail("eval.times: the rollouts need t = {t0, t1, points = N}") end
  if eg then d.eval_t0, d.eval_t1, d.eval_points = eg.t0, eg.t1, eg.points end
  local n = ev.rollouts and count(ev.rollouts, "eval.rollouts", 1)
  local ex0 = ev.x0 or x0
  if ex0 == nil then d.rollouts = 0 return end
  local given = type(ex0) == "table" and ex0.box == nil and ex0.shell == nil and ex0.energy == nil
  if given then
    d.eval_x0 = sampler(ex0, dim, 0, 3, "eval.x0")
    n = n or #d.eval_x0.list
    if n > #d.eval_x0.list then fail("eval.rollouts = " .. n .. ", but the list has " .. #d.eval_x0.list .. " states") end
  else
    n = n or 15
    d.eval_x0 = sampler(ex0, dim, n, 3, "eval.x0")
  end
  d.rollouts = n
end

-- files = {x = "x.npy", dx = "dx.npy", t = "t.npy"}: a user's data
local function files_of(spec, d)
  local f = spec.files
  if type(f) ~= "table" then fail("files must be {x = \"x.npy\", dx = \"dx.npy\"} (.npy or .csv; dx and t optional)") end
  check_keys(f, {"dx", "t", "x"}, "files")
  if f.x == nil then fail("files needs x = \"x.npy\" (or .csv)") end
  for _, k in ipairs({"x", "dx", "t"}) do
    local v = f[k]
    if v ~= nil and (type(v) ~= "string" or not (v:match("%.npy$") or v:match("%.csv$"))) then
      fail("files." .. k .. " must name a .npy or .csv file")
    end
  end
  for _, k in ipairs({"x0", "trajectories", "noise", "integrator", "rtol", "atol", "pad", "published"}) do
    if spec[k] ~= nil and not (k == "x0" or k == "rtol" or k == "atol") then
      fail(k .. " describes generated data: with files = {...} give system (for the true H), t or times " ..
           "(the samples' times), split, eval and name")
    end
  end
  d.files = {x = f.x, dx = f.dx, t = f.t}
end

return function(spec)
  if type(spec) ~= "table" then fail("expects a table") end
  check_keys(spec, accepted, "hn.data")
  local d = {}
  if spec.files ~= nil then files_of(spec, d)
  elseif type(spec.system) ~= "string" then fail("system = \"path/to/system.lua\" (relative to this file) is missing") end
  local dim = 0
  if spec.system ~= nil then
    if type(spec.system) ~= "string" then fail("system must be a path") end
    local sys = core._data_system(spec.system)
    if not sys then return end -- a system file's own hn.data: not followed
    dim, d.system = sys.dim, sys.path
  end
  d.dim = dim
  if spec.name ~= nil then
    if type(spec.name) ~= "string" then fail("name must be a string") end
    d.name = spec.name
  end
  if spec.published ~= nil then
    local ok = {spring = true, pendulum = true, two_body = true}
    if not ok[spec.published] then fail("published is spring, pendulum or two_body") end
    d.published = spec.published
  end
  d.rtol = spec.rtol == nil and 1e-10 or number(spec.rtol, "rtol")
  d.atol = spec.atol == nil and 1e-12 or number(spec.atol, "atol")
  if not (d.rtol > 0 and d.atol > 0) then fail("rtol and atol must be > 0") end
  d.split, d.test_first = split_of(spec)
  local g = (spec.t ~= nil or spec.times ~= nil) and grid(spec.t, spec.times, "") or nil
  if g then d.t0, d.t1, d.points, d.times = g.t0, g.t1, g.points, g.times end
  local ev = spec.eval or {}
  if type(ev) ~= "table" then fail("eval must be a table") end
  if d.files then
    if (ev.x0 or spec.x0) and dim == 0 then fail("eval.x0: rollouts need the system (system = ...)") end
    rollouts(d, ev, spec.x0, g, dim)
    d.eval_rtol = ev.rtol == nil and d.rtol or number(ev.rtol, "eval.rtol")
    d.eval_atol = ev.atol == nil and d.atol or number(ev.atol, "eval.atol")
    core._data_declare(d)
    return
  end
  -- trajectories and their initial states
  if spec.x0 == nil then fail("x0 (the initial states' sampler) is missing") end
  if not g then fail("t = {t0, t1, points = N} is missing (or times = {...})") end
  local n = spec.trajectories
  if n ~= nil then n = count(n, "trajectories", 1) end
  local given = type(spec.x0) == "table" and spec.x0.box == nil and spec.x0.shell == nil and spec.x0.energy == nil
  if not n and not given then fail("trajectories = N is missing") end
  d.x0 = sampler(spec.x0, dim, n or 0, 1, "x0")
  if d.x0.kind == "list" and not d.x0.drawn then
    if n and n > #d.x0.list then fail("trajectories = " .. n .. ", but x0 lists " .. #d.x0.list .. " states") end
    n = n or #d.x0.list
  end
  d.trajectories = n
  -- integration
  local integ = spec.integrator or "rk45"
  if integ ~= "rk45" and integ ~= "dop853" then fail("integrator is \"rk45\" or \"dop853\", not '" .. tostring(integ) .. "'") end
  d.integrator = integ
  d.pad = spec.pad == nil and 0 or count(spec.pad, "pad", 0)
  d.noise = spec.noise == nil and 0.0 or number(spec.noise, "noise")
  if d.noise < 0 then fail("noise (the std of the Gaussian noise on x) must be >= 0") end
  local first = math.floor(n * d.split)
  local ntrain = d.test_first and n - first or first
  if ntrain < 1 then
    fail("split leaves no training trajectory (" .. n .. " trajectories, " .. (d.test_first and "test" or "train") ..
         " = " .. d.split .. "): give split = {train = 1} to train on all")
  end
  rollouts(d, ev, spec.x0, g, dim)
  d.eval_rtol = ev.rtol == nil and d.rtol or number(ev.rtol, "eval.rtol")
  d.eval_atol = ev.atol == nil and d.atol or number(ev.atol, "eval.atol")
  core._data_declare(d)
end
