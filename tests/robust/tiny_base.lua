-- the baseline of tiny.lua: the same 2-8-8-2 network, the same parameter
-- count, but its output is the field itself (not an H)
local hn = require "hnnc"
local nn = require "hnnc.nn"
hn.model{name = "tiny_baseline", seed = 3}
hn.train{task = "spring", system = "spring.lua", steps = 12, lr = 1e-2, weight_decay = 1e-4, batch = 0}
local mlp = nn.mlp{sizes = {2, 8, 8, 2}, act = "tanh", init = "orthogonal", last_bias = false}
local function loss(x, xdot) return hn.batch_mean(hn.mean(hn.square(mlp(x) - xdot))) end
hn.fn("field", {x = 2}, function(x) return mlp(x) end)
hn.fn("loss", {x = 2, xdot = 2}, loss)
hn.fn("loss_grad", {x = 2, xdot = 2}, function(x, xdot)
  local L = loss(x, xdot)
  return L, hn.grad(L, hn.params())
end)
