-- A small HNN for the FLOP-count test (tests/test_flops.c): a D-H-H-2 tanh
-- MLP, D = 4, H = 24, no last bias; output 2 is H, as in models/hnn/.
local hn = require "hnnc"
local nn = require "hnnc.nn"
hn.model{name = "flops_mlp", seed = 1}

local mlp = nn.mlp{sizes = {4, 24, 24, 2}, act = "tanh", init = "orthogonal", last_bias = false}
local function H(x) return mlp(x)[2] end
local field = hn.field(H)
local function loss(x, xdot) return hn.batch_mean(hn.mean(hn.square(field(x) - xdot))) end

hn.fn("mlp", {x = 4}, function(x) return mlp(x) end)
hn.fn("field", {x = 4}, field)
hn.fn("loss", {x = 4, xdot = 4}, loss)
hn.fn("loss_grad", {x = 4, xdot = 4}, function(x, xdot)
  local L = loss(x, xdot)
  return L, hn.grad(L, hn.params())
end)
