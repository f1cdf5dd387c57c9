-- A canonical flow without a Hamiltonian (flow_small.lua without H): `hnnc
-- export` writes its forward and inverse maps only (tests/export.sh).
local hn = require "hnnc"
local nn = require "hnnc.nn"
local flow = require "hnnc.flow"
hn.model{name = "flow_only", seed = 3}

local function net(k) return nn.mlp{sizes = {k, 8, 1}, last_bias = false} end
local T = flow.stack{flow.shift{n = 1, F = net(1)}, flow.linear{n = 1}, flow.exchange{n = 1},
                     flow.dual_shift{n = 1, G = net(1)}}
flow.declare(T)
