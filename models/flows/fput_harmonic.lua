-- A neural canonical transformation for the FPUT chain (N = 5, α = 0, β = 0)
-- in orthonormal normal modes (8-D phase space, systems/fput_modes_harmonic.lua):
-- the trajectory loss makes the latent radii r_j = Q̂_j² + P̂_j² constant
-- along each trajectory. `hnnc evaluate` reports their spread (rel_std)
-- beside the running-wave linear normal form's (the baseline: the actions
-- of the harmonic chain, with running waves for the degenerate pairs) and
-- the angle rates, to be compared with ω_k = 2 sin(πk/5).
--
-- Data: 8 trajectories at energy E = 1 (positions uniform in [-0.5, 0.5]^4,
-- a random momentum direction, its length for H = 1), t in [0, 30] at 512
-- points by DOP853 (rtol 1e-10); the first 6 train, the last 2 are held out.
local hn = require "hnnc"
local flow = require "hnnc.flow"
hn.model{name = "fput_harmonic_flow", seed = 0}

hn.data{system = "systems/fput_modes_harmonic.lua",
        x0 = {energy = 1, q = {-0.5, 0.5}}, trajectories = 8,
        t = {0, 30, points = 512}, integrator = "dop853", rtol = 1e-10, atol = 1e-12,
        split = {train = 0.75}}
hn.train{steps = 3000, lr = 3e-3, batch = 32, schedule = "cosine", min_lr = 1e-5}

local n, W = 4, 32
local w1, w2 = 2 * math.sin(math.pi / 5), 2 * math.sin(2 * math.pi / 5)
local blocks = {}
for i = 1, 4 do
  blocks[#blocks + 1] = flow.linear{n = n}
  blocks[#blocks + 1] = flow.irrotational{n = n, width = 64}
end
local T = flow.stack(blocks)
flow.declare(T, {window = W, baseline = {w1, w1, w2, w2}})

local function loss(x, xdot) return flow.trajectory_loss(T, x) end
hn.objective({x = {W, 2 * n}, xdot = {W, 2 * n}}, loss)   -- loss, and loss_grad: the loss and its ∇θ
