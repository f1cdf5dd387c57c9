-- A per-sample value used after a sum over the batch (the zero-center layer
-- of the flow papers, in training mode): h = tanh(x W), y = h - mean over
-- the batch of h. h must be kept for all samples ("full" storage).
local hn = require "hnnc"
hn.model{name = "zero_center", seed = 3}
local W = hn.param{shape = {3, 3}, init = "normal", std = 0.8}

local function center(x)
  local h = hn.tanh(hn.matmul(x, W))
  return h - hn.batch_mean(h)
end

hn.fn("center", {x = 3}, center)
hn.fn("loss_grad", {x = 3}, function(x)
  local L = hn.batch_mean(hn.sum(hn.square(center(x)) * hn.const{1, 2, 3}))
  return L, hn.grad(L, W)
end)
