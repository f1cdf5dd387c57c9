local hn = require "hnnc"
hn.model{name = "objective_no_params"}
hn.objective({x = 2, xdot = 2}, function(x, xdot) return hn.batch_mean(hn.sum(x)) end)
