-- Outputs named by the model file (hn.name) and by what they are (the
-- gradient of a parameter): out_loss and out_d_layer_W in the C.
local hn = require "hnnc"
hn.model{name = "named", seed = 1}
local W = hn.param{shape = {2, 2}, init = "normal", name = "layer.W"}
hn.fn("loss_grad", {x = 2}, function(x)
  local L = hn.batch_mean(hn.sum(hn.square(hn.matmul(x, W))))
  return hn.name(L, "loss"), hn.grad(L, {W})
end)
