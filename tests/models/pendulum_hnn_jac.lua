-- The pendulum HNN of models/hnn/pendulum.lua with its field's exact Jacobian
-- as a function, so that `hnnc simulate --integrator implicit_midpoint` runs
-- Newton on the same Jacobian as the code `hnnc export` writes (the export
-- tests compare the two bit for bit).
local hn = require "hnnc"
local nn = require "hnnc.nn"
hn.model{name = "pendulum_hnn_jac", seed = 0}
require("hnnc.tasks").pendulum{system = "../../models/systems/pendulum.lua"}
hn.train{steps = 2001, lr = 1e-3, weight_decay = 1e-4, batch = 0}

local mlp = nn.mlp{sizes = {2, 200, 200, 2}, act = "tanh", init = "orthogonal", last_bias = false}

local function H(x) return mlp(x)[2] end
local field = hn.field(H)

local function loss(x, xdot)
  return hn.batch_mean(hn.mean(hn.square(field(x) - xdot)))
end

hn.fn("H", {x = 2}, H)
hn.fn("field", {x = 2}, field)
hn.fn("jacobian", {x = 2}, function(x) return hn.jacobian(field(x), x) end)
hn.fn("loss", {x = 2, xdot = 2}, loss)
hn.fn("loss_grad", {x = 2, xdot = 2}, function(x, xdot)
  local L = loss(x, xdot)
  return L, hn.grad(L, hn.params())
end)
