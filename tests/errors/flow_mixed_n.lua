local hn = require "hnnc"
local nn = require "hnnc.nn"
local flow = require "hnnc.flow"
local T = flow.stack{
  flow.linear{n = 2},
  flow.shift{n = 1, F = nn.mlp{sizes = {1, 8, 1}, last_bias = false}},
}
flow.declare(T)
