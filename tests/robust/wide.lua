-- a function of 4000 inputs a sample, and a loss (a shared output)
local hn = require "hnnc"
hn.fn("sum", {x = 4000}, function(x) return hn.sum(x) end)
hn.fn("mean_sq", {x = 2}, function(x) return hn.batch_mean(hn.sum(hn.square(x))) end)
