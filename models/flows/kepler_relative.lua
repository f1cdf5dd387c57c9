-- A neural canonical transformation for Kepler's problem (k = -1), as in
-- Bondesan & Lamacraft (2019): a symplectic flow T from latent (Q̂, P̂) to
-- (q, p), trained so that along an orbit the latent radii
-- r_j = Q̂_j² + P̂_j² stay constant (the lecture's trajectory loss). Then
-- T⁻¹ gives action-angle coordinates: r_j = 2 I_j, the angles rotate at
-- the orbit's frequencies (here both 1), and Σ_j mean r_j = 2 (J_r + L) = 2
-- at E = -1/2.
--
-- This variant weighs each degree of freedom's radius relative to its own
-- mean (trajectory_loss{relative = 1e-3}): with the plain loss the small
-- (radial) radius is barely constrained and comes out poorly resolved (see
-- README: Flows, Measured).
--
-- Data: the orbit e = 0.1, a = 1 (q0 = (0.9, 0), p0 = (0, 1.1055416)),
-- t in [0, 10] at 1024 points by DOP853 at rtol 1e-12 (the training
-- trajectory), and two held-out orbits the training never sees, with p0
-- 1 % larger and smaller (nearby energies and eccentricities).
local hn = require "hnnc"
local flow = require "hnnc.flow"
hn.model{name = "kepler_relative_flow", seed = 0}

local v = 1.1055416
hn.data{system = "../systems/kepler.lua",
        x0 = {{0.9, 0, 0, v}, {0.9, 0, 0, 1.01 * v}, {0.9, 0, 0, 0.99 * v}},
        t = {0, 10, points = 1024}, integrator = "dop853", rtol = 1e-12, atol = 1e-12,
        split = {train = 1 / 3}}                  -- the first orbit trains
hn.train{steps = 3000, lr = 3e-3, batch = 32, schedule = "cosine", min_lr = 1e-5}

-- 4 blocks: the linear canonical map S = N A K, then an irrotational shift
local n, W = 2, 32
local blocks = {}
for i = 1, 4 do
  blocks[#blocks + 1] = flow.linear{n = n}
  blocks[#blocks + 1] = flow.irrotational{n = n, width = 64}
end
local T = flow.stack(blocks)
flow.declare(T, {window = W})                     -- forward, inverse, jacobians, notes

-- The loss of a window x [W, 4] of W time samples of the orbit in random
-- order (xdot, the data set's targets, is not used).
local function loss(x, xdot) return flow.trajectory_loss(T, x, {relative = 1e-3}) end
hn.fn("loss", {x = {W, 2 * n}, xdot = {W, 2 * n}}, loss)
hn.fn("loss_grad", {x = {W, 2 * n}, xdot = {W, 2 * n}}, function(x, xdot)
  local L = loss(x, xdot)
  return L, hn.grad(L, hn.params())
end)
