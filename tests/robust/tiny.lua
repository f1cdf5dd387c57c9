-- a small HNN (2-8-8-2) on the spring task, for the command-line tests
local hn = require "hnnc"
local nn = require "hnnc.nn"
hn.model{name = "tiny_hnn", seed = 3}
hn.train{task = "spring", system = "spring.lua", steps = 12, lr = 1e-2, weight_decay = 1e-4, batch = 0}
local mlp = nn.mlp{sizes = {2, 8, 8, 2}, act = "tanh", init = "orthogonal", last_bias = false}
local function H(x) return mlp(x)[2] end
local field = hn.field(H)
local function loss(x, xdot) return hn.batch_mean(hn.mean(hn.square(field(x) - xdot))) end
hn.fn("H", {x = 2}, H)
hn.fn("field", {x = 2}, field)
hn.fn("loss", {x = 2, xdot = 2}, loss)
hn.fn("loss_grad", {x = 2, xdot = 2}, function(x, xdot)
  local L = loss(x, xdot)
  return L, hn.grad(L, hn.params())
end)
