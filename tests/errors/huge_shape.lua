local hn = require "hnnc"
local W = hn.param{shape = {100000, 100000}, init = "normal"}
