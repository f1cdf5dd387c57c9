-- The baseline of Greydanus et al. (2019) for the two-body task: a
-- 8-200-200-8 tanh MLP with orthogonal weights (no bias on the last layer)
-- that predicts the vector field directly. Same data and training as the
-- HNN (hn.train below).
local hn = require "hnnc"
local nn = require "hnnc.nn"
hn.model{name = "two_body_baseline", seed = 0}
require("hnnc.tasks").two_body{system = "../systems/two_body.lua"}   -- the data set (hnnc/tasks.lua)
hn.train{steps = 10001, lr = 1e-3, weight_decay = 0, batch = 200}

local field = nn.mlp{sizes = {8, 200, 200, 8}, act = "tanh", init = "orthogonal", last_bias = false}

local function loss(x, xdot)
  return hn.batch_mean(hn.mean(hn.square(field(x) - xdot)))
end

hn.fn("field", {x = 8}, function(x) return field(x) end)
hn.objective({x = 8, xdot = 8}, loss)   -- loss, and loss_grad: the loss and its ∇θ
