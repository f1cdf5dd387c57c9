local hn = require "hnnc"
local f = load("return 1")
