-- Derivatives with respect to a concatenation X = concat(x, 2x) that the
-- value reads only through slices: they fold to the pieces x and 2x, and
-- the derivative is taken with respect to those, as independent variables
-- (2x depends on x, which must not leak into ∂/∂x). test_models checks
-- grad and jvp against y's analytic gradient and central differences of y.
local hn = require "hnnc"
hn.model{name = "folded"}
local function y_of(X) -- y(X) = Σ_i sin(X_i) X_{i+2} + Σ_i X_i², i = 1, 2
  local a, b = X:slice(1, 2), X:slice(3, 4)
  return hn.sum(hn.sin(a) * b) + hn.sum(a * a)
end
hn.fn("y", {X = 4}, y_of)
hn.fn("grad", {x = 2}, function(x)
  local X = hn.concat{x, x * 2}
  return hn.grad(y_of(X), X)
end)
hn.fn("jvp", {x = 2, t = 4}, function(x, t)
  local X = hn.concat{x, x * 2}
  return hn.jvp(y_of(X), X, t)
end)
hn.fn("jacobian", {x = 2}, function(x) -- ∂v/∂X of v(X) = (X_3 sin X_1, X_4 sin X_2)
  local X = hn.concat{x, x * 2}
  return hn.jacobian(hn.sin(X:slice(1, 2)) * X:slice(3, 4), X)
end)
