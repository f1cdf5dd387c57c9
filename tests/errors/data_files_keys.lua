local hn = require "hnnc"
hn.data{files = {x = "x.npy", dx = "dx.npy"}, trajectories = 10}
hn.fn("f", {x = 2}, function(x) return x end)
