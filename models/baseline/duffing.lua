-- The baseline for models/hnn/duffing.lua: a 2-64-64-2 tanh MLP that
-- predicts the vector field directly. Same data and training.
local hn = require "hnnc"
local nn = require "hnnc.nn"
hn.model{name = "duffing_baseline", seed = 0}

-- The data: 50 orbits from the box q, p in [-1.6, 1.6] (orbits in one
-- well and around both), t in [0, 6] at 60 points, DOP853, noise 0.01 on
-- the states; the energy metric: 15 rollouts from the same box on [0, 20].
hn.data{name = "duffing", system = "../systems/duffing.lua", x0 = {box = {-1.6, 1.6}}, trajectories = 50,
        t = {0, 6, points = 60}, integrator = "dop853", rtol = 1e-10, atol = 1e-12, noise = 0.01,
        split = {train = 0.8}, eval = {rollouts = 15, t = {0, 20, points = 200}}}
hn.train{steps = 3000, lr = 1e-3, batch = 256, schedule = "cosine", min_lr = 1e-5}

local field = nn.mlp{sizes = {2, 64, 64, 2}, act = "tanh", init = "orthogonal", last_bias = false}

local function loss(x, xdot)
  return hn.batch_mean(hn.mean(hn.square(field(x) - xdot)))
end

hn.fn("field", {x = 2}, function(x) return field(x) end)
hn.objective({x = 2, xdot = 2}, loss)   -- loss, and loss_grad: the loss and its ∇θ
