local hn = require "hnnc"
hn.data{system = "../../models/systems/henon_heiles.lua", trajectories = 4, t = {0, 1, points = 10},
        x0 = function(rng) return {rng:uniform(), rng:uniform(), 0} end}
hn.fn("f", {x = 2}, function(x) return x end)
