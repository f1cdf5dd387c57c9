local hn = require "hnnc"
local r = math.random()
