-- The Fermi–Pasta–Ulam–Tsingou chain, N = 5 particles, periodic:
-- H = Σᵢ ½[pᵢ² + (qᵢ − qᵢ₊₁)²] + (α/3)(qᵢ − qᵢ₊₁)³ + (β/4)(qᵢ − qᵢ₊₁)⁴.
-- x = (q1..q5, p1..p5). α and β are parameters of this file.
local hn = require "hnnc"
hn.model{name = "fput"}

local N, alpha, beta = 5, 0.0, 0.25

local function H(x)
  local q, p = hn.split(x, 2)
  -- differences qᵢ − qᵢ₊₁ with q₆ = q₁: a constant circulant matrix
  local D = {}
  for i = 1, N do
    D[i] = {}
    for j = 1, N do
      D[i][j] = (j == i and 1 or 0) - (j == i % N + 1 and 1 or 0)
    end
  end
  local d = hn.matmul(hn.const(D), q)
  return hn.sum(hn.square(p)) / 2 + hn.sum(hn.square(d)) / 2
       + alpha / 3 * hn.sum(d ^ 3) + beta / 4 * hn.sum(d ^ 4)
end

hn.fn("H", {x = 2 * N}, H)
hn.fn("field", {x = 2 * N}, hn.field(H))
