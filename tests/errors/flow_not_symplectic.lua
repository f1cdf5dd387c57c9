local hn = require "hnnc"
local nn = require "hnnc.nn"
local flow = require "hnnc.flow"
local n = 2
local T = flow.stack{
  flow.linear{n = n},
  flow.realnvp{n = n, s = nn.mlp{sizes = {n, 8, n}}, t = nn.mlp{sizes = {n, 8, n}}},
}
flow.declare(T)
