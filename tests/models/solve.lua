-- hn.solve: x = A⁻¹ b (test_models: against Cramer's rule and the adjoint
-- method's closed form, and tcc against gcc bit for bit).
local hn = require "hnnc"
hn.model{name = "solve"}
local w = hn.const{0.7, -1.3}
hn.fn("x", {A = {2, 2}, b = 2}, function(A, b) return hn.solve(A, b) end)
hn.fn("grads", {A = {2, 2}, b = 2}, function(A, b) -- ∂(w·x)/∂A, ∂(w·x)/∂b
  return hn.grad(hn.sum(w * hn.solve(A, b)), {A, b})
end)
hn.fn("X", {A = {3, 3}, B = {3, 2}}, function(A, B) return hn.solve(A, B) end)
hn.fn("rows", {A = {2, 3, 3}, b = {2, 3}}, function(A, b) return hn.solve(A, b) end) -- a system per row
