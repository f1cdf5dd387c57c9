local hn = require "hnnc"
hn.data{system = "../../models/systems/harmonic.lua", x0 = {shell = {0.5, 1}}, trajectories = 4,
        t = {0, 3, points = 30}, noize = 0.1}
hn.fn("f", {x = 2}, function(x) return x end)
