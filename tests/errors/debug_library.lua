local hn = require "hnnc"
local info = debug.getinfo(1)
