local hn = require "hnnc"
hn.model{name = "objective_not_function"}
hn.objective({x = 2, xdot = 2}, 3)
