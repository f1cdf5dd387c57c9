-- The baseline of Greydanus et al. (2019) for the spring task: a
-- 2-200-200-2 tanh MLP with orthogonal weights (no bias on the last layer)
-- that predicts the vector field directly. Same data and training as the
-- HNN (hn.train below).
local hn = require "hnnc"
local nn = require "hnnc.nn"
hn.model{name = "spring_baseline", seed = 0}
require("hnnc.tasks").spring{system = "../systems/spring.lua"}   -- the data set (hnnc/tasks.lua)
hn.train{steps = 2001, lr = 1e-3, weight_decay = 1e-4, batch = 0}

local field = nn.mlp{sizes = {2, 200, 200, 2}, act = "tanh", init = "orthogonal", last_bias = false}

local function loss(x, xdot)
  return hn.batch_mean(hn.mean(hn.square(field(x) - xdot)))
end

hn.fn("field", {x = 2}, function(x) return field(x) end)
hn.objective({x = 2, xdot = 2}, loss)   -- loss, and loss_grad: the loss and its ∇θ
