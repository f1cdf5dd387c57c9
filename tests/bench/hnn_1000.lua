-- A wide HNN for make bench: a 4-1000-1000-1 tanh MLP whose one output is
-- H(q, p), q and p in R^2; the field and the loss gradient through it, as
-- models/hnn/ does. Products of 1000 x 1000 weights exercise the kernels'
-- blocks of K (panels beyond L1).
local hn = require "hnnc"
local nn = require "hnnc.nn"
hn.model{name = "hnn_1000", seed = 0}

local mlp = nn.mlp{sizes = {4, 1000, 1000, 1}, act = "tanh", init = "orthogonal", last_bias = false}
local function H(x) return mlp(x)[1] end
local field = hn.field(H)
local function loss(x, xdot) return hn.batch_mean(hn.mean(hn.square(field(x) - xdot))) end

hn.fn("field", {x = 4}, field)
hn.fn("loss_grad", {x = 4, xdot = 4}, function(x, xdot)
  local L = loss(x, xdot)
  return L, hn.grad(L, hn.params())
end)
