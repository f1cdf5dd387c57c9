-- The baseline for models/hnn/henon_heiles.lua: a 4-64-64-4 tanh MLP that
-- predicts the vector field directly. Same data and training.
local hn = require "hnnc"
local nn = require "hnnc.nn"
hn.model{name = "henon_heiles_baseline", seed = 0}

-- The data: 50 orbits of energies uniform in [1/24, 1/8] (bounded motion:
-- the escape energy is 1/6), positions uniform in the disc |q| < 0.4 with
-- V(q) < E, the momentum of length sqrt(2 (E - V(q))) in a uniform
-- direction; t in [0, 10] at 100 points by DOP853. The energy metric: 15
-- rollouts of the same kind on [0, 20].
local function V(q1, q2) return (q1 * q1 + q2 * q2) / 2 + q1 * q1 * q2 - q2 * q2 * q2 / 3 end
local function shell(rng)
  local E = 1 / 24 + rng:uniform() * (1 / 8 - 1 / 24)
  local q1, q2
  repeat
    q1, q2 = rng:uniform() * 0.8 - 0.4, rng:uniform() * 0.8 - 0.4
  until q1 * q1 + q2 * q2 < 0.16 and V(q1, q2) < E
  local a = rng:uniform() * 2 * math.pi
  local p = math.sqrt(2 * (E - V(q1, q2)))
  return {q1, q2, p * math.cos(a), p * math.sin(a)}
end
hn.data{name = "henon_heiles", system = "../systems/henon_heiles.lua", x0 = shell, trajectories = 50,
        t = {0, 10, points = 100}, integrator = "dop853", rtol = 1e-10, atol = 1e-12, split = {train = 0.8},
        eval = {rollouts = 15, t = {0, 20, points = 200}}}
hn.train{steps = 4000, lr = 1e-3, batch = 256, schedule = "cosine", min_lr = 1e-5}

local field = nn.mlp{sizes = {4, 64, 64, 4}, act = "tanh", init = "orthogonal", last_bias = false}

local function loss(x, xdot)
  return hn.batch_mean(hn.mean(hn.square(field(x) - xdot)))
end

hn.fn("field", {x = 4}, function(x) return field(x) end)
hn.objective({x = 4, xdot = 4}, loss)   -- loss, and loss_grad: the loss and its ∇θ
