local hn = require "hnnc"
hn.data{system = "systems/odd.lua", x0 = {box = {-1, 1}}, trajectories = 4, t = {0, 1, points = 10}}
hn.fn("f", {x = 2}, function(x) return x end)
