local hn = require "hnnc"
local nn = require "hnnc.nn"
local mlp = nn.mlp{sizes = {2, 16, 1}, act = "relu", last_bias = false}
local function H(x) return mlp(x)[1] end
local field = hn.field(H)
hn.fn("loss_grad", {x = 2, xdot = 2}, function(x, xdot)
  local L = hn.batch_mean(hn.mean(hn.square(field(x) - xdot)))
  return L, hn.grad(L, hn.params())
end)
