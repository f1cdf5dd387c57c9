-- hnnc.tasks: the three data sets of Greydanus, Dzamba & Yosinski (2019),
-- as hn.data declarations that follow the reference code formula by
-- formula (experiment-spring/data.py, experiment-pend/data.py,
-- experiment-2body/data.py, and the analysis notebooks for the energy
-- metric). Each takes {system = "path/to/system.lua"} (relative to the
-- model file) and declares the task's data set:
--
--   local tasks = require "hnnc.tasks"
--   tasks.pendulum{system = "../systems/pendulum.lua"}
--
-- The initial states are Lua functions of hnnc's generator (rng:uniform()
-- in [0, 1), rng:normal()), written as the reference writes them, so the
-- data are the same bits as hnnc's earlier C table made.
-- published = NAME selects the task's published evaluation protocol
-- (hnnc evaluate: the spring's growing time spans, the pendulum's q² + p²).
local hn = require "hnnc"
local tasks = {}

local function options(opts, name)
  if type(opts) ~= "table" or type(opts.system) ~= "string" then
    error("tasks." .. name .. " needs {system = \"path/to/system.lua\"}", 3)
  end
  for k in next, opts do
    if k ~= "system" then error("tasks." .. name .. " takes only system (got '" .. tostring(k) .. "')", 3) end
  end
  return opts.system
end

-- spring and pendulum: y0 = rand(2)*2 - 1; radius = rand()*scale + offset;
-- y0 = y0 / sqrt(sum(y0**2)) * radius (a draw of exactly (0, 0) is redrawn)
local function ring(scale, offset)
  return function(rng)
    local y0, y1, s
    repeat
      y0 = rng:uniform() * 2.0 - 1.0
      y1 = rng:uniform() * 2.0 - 1.0
      s = math.sqrt(y0 * y0 + y1 * y1)
    until s ~= 0.0
    local radius = rng:uniform() * scale + offset
    return {y0 / s * radius, y1 / s * radius}
  end
end

-- the analysis' rollout states: each component x = u*1.6 - 0.8, then
-- x += 0.2*sign(x): uniform in ±[0.2, 1.0] (a draw of exactly 0 counts as
-- positive)
local function signed_box(rng)
  local x = {}
  for c = 1, 2 do
    local v = rng:uniform() * 1.6 - 0.8
    x[c] = v + (v < 0.0 and -0.2 or 0.2)
  end
  return x
end

-- two-body random_config: body 1 at pos uniform in [0.5, 1.5]^2 with the
-- circular-orbit velocity (-pos_y, pos_x) / (2 r^1.5) (the bodies are 2r
-- apart and pull with 1/(2r)^2) times 1 + 0.05 N(0, 1); body 2 = -body 1.
-- r^1.5 is r * sqrt(r) (no pow: the same bits everywhere). State
-- (q1x, q1y, q2x, q2y, p1x, p1y, p2x, p2y); the reference orders it
-- (qx1, qx2, qy1, qy2, ...): the same numbers permuted.
local function orbit(rng)
  local px = rng:uniform() * 1.0 + 0.5
  local py = rng:uniform() * 1.0 + 0.5
  local rad = math.sqrt(px * px + py * py)
  local d = 2.0 * (rad * math.sqrt(rad))
  local factor = 1.0 + 0.05 * rng:normal()
  local vx, vy = -(py / d) * factor, (px / d) * factor
  return {px, py, -px, -py, vx, vy, -vx, -vy}
end

-- npoints = int(timescale * (t1 - t0)): timescale 10 for the spring (30
-- points), 15 for the pendulum (45); the reference passes only rtol, so
-- scipy's default atol 1e-6 holds. The first half of the trajectories
-- trains.
local function oscillator(name, opts, scale, offset, points)
  hn.data{name = name, published = name, system = options(opts, name),
          x0 = ring(scale, offset), trajectories = 50, t = {0, 3, points = points},
          integrator = "rk45", rtol = 1e-10, atol = 1e-6, noise = 0.1, split = {train = 0.5},
          eval = {x0 = signed_box, rollouts = 15, t = {0, 20, points = 100}, rtol = 1e-12, atol = 1e-6}}
end

function tasks.spring(opts) oscillator("spring", opts, 0.9, 0.1, 30) end
function tasks.pendulum(opts) oscillator("pendulum", opts, 1.0, 1.3, 45) end

-- 1000 orbits on [0, 20] at 50 points, RK45 rtol 1e-9 with the two masses
-- in the state (pad = 2: they count in RK45's error norm); the first 20 %
-- of the rows (200 orbits) are the test set; no noise
function tasks.two_body(opts)
  hn.data{name = "two_body", published = "two_body", system = options(opts, "two_body"),
          x0 = orbit, trajectories = 1000, t = {0, 20, points = 50},
          integrator = "rk45", rtol = 1e-9, atol = 1e-6, pad = 2, noise = 0, split = {test = 0.2},
          eval = {rollouts = 15, t = {0, 25, points = 500}, rtol = 1e-9, atol = 1e-6}}
end

return tasks
