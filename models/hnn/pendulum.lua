-- The Hamiltonian neural network of Greydanus et al. (2019) for the ideal
-- pendulum: a 2-200-200-2 tanh MLP with orthogonal weights, no bias on the
-- last layer; as in the reference code, output 2 of the MLP is H.
local hn = require "hnnc"
local nn = require "hnnc.nn"
hn.model{name = "pendulum_hnn", seed = 0}

local mlp = nn.mlp{sizes = {2, 200, 200, 2}, act = "tanh", init = "orthogonal", last_bias = false}

local function H(x) return mlp(x)[2] end
local field = hn.field(H)

-- The training loss: the mean over all elements of (ẋ − field(x))².
local function loss(x, xdot)
  return hn.batch_mean(hn.mean(hn.square(field(x) - xdot)))
end

hn.fn("H", {x = 2}, H)
hn.fn("field", {x = 2}, field)
hn.fn("loss", {x = 2, xdot = 2}, loss)
hn.fn("loss_grad", {x = 2, xdot = 2}, function(x, xdot)
  local L = loss(x, xdot)
  return L, hn.grad(L, hn.params())
end)
