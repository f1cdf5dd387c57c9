local hn = require "hnnc"
local s = string.rep("x", 1e10)
