local hn = require "hnnc"
local W = hn.param{shape = {2, 2}, init = "glorot"}
