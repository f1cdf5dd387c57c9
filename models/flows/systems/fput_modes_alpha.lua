-- The FPUT chain (N = 5, periodic, α = 0.2, β = 0) in orthonormal normal-mode
-- coordinates: q = U Q, p = U P with U's columns √(2/N) cos(2πkj/N) and
-- √(2/N) sin(2πkj/N), k = 1, 2, j = 1..N (the zero mode 1/√N, the centre of
-- mass, is dropped: it moves freely and decouples). An orthogonal U makes
-- (Q, P) canonical (a non-orthonormal FFT map would not be). The state is
-- x = (Q_c1, Q_s1, Q_c2, Q_s2, P_c1, P_s1, P_c2, P_s2); the harmonic
-- frequencies are ω_k = 2 sin(πk/N): 1.1755705 (twice), 1.9021130 (twice).
local hn = require "hnnc"
hn.model{name = "fput_modes_alpha"}

local N, alpha = 5, 0.2
local U = {}                                     -- [N, 4]: the four modes
for j = 1, N do
  U[j] = {}
  for k = 1, 2 do
    U[j][2 * k - 1] = math.sqrt(2 / N) * math.cos(2 * math.pi * k * j / N)
    U[j][2 * k] = math.sqrt(2 / N) * math.sin(2 * math.pi * k * j / N)
  end
end
local D = {}                                     -- (Dq)_i = q_i - q_{i+1}, q_6 = q_1
for i = 1, N do
  D[i] = {}
  for j = 1, N do D[i][j] = (j == i and 1 or 0) - (j == i % N + 1 and 1 or 0) end
end
local Um, Dm = hn.const(U), hn.const(D)

local function H(x)
  local Q, P = hn.split(x, 2)
  local q, p = hn.matmul(Um, Q), hn.matmul(Um, P)
  local d = hn.matmul(Dm, q)
  return hn.sum(hn.square(p)) / 2 + hn.sum(hn.square(d)) / 2 + alpha / 3 * hn.sum(d ^ 3)
end

hn.fn("H", {x = 8}, H)
hn.fn("field", {x = 8}, hn.field(H))
