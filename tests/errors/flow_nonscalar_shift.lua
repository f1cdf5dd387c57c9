local hn = require "hnnc"
local nn = require "hnnc.nn"
local flow = require "hnnc.flow"
local F = nn.mlp{sizes = {2, 8, 3}}
local T = flow.stack{flow.shift{n = 2, F = F}}
flow.declare(T)
