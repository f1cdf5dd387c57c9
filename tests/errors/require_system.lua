local hn = require "hnnc"
local socket = require "io"
