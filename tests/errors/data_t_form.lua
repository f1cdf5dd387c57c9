local hn = require "hnnc"
hn.data{system = "../../models/systems/harmonic.lua", x0 = {{1, 0}}, t = {0, 3, 30}}
hn.fn("f", {x = 2}, function(x) return x end)
