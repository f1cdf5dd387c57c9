local hn = require "hnnc"
hn.data{system = "../../models/systems/harmonic.lua", x0 = {{1, 0}}, times = {0, 0.5, 0.5, 1}}
hn.fn("f", {x = 2}, function(x) return x end)
