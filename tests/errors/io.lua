local hn = require "hnnc"
local f = io.open("/etc/passwd")
