-- Helpers shared by the scenarios (load them with require("lib.common")).
local M = {}

-- The invariants every scenario of a correct service should hold.
function M.hygiene()
  return no_leaked_tasks(), no_lost_jobs(), no_panics()
end

-- A custom check that a measured number stays within [lo, hi] (either may
-- be nil). measure(run) returns the number; on failure the check's detail
-- says what was measured against which bound, like a built-in check.
function M.within(name, measure, lo, hi, unit)
  unit = unit and (" " .. unit) or ""
  return check(name, function(run)
    local v = measure(run)
    if type(v) ~= "number" then
      error("nothing measured", 0)
    end
    if (lo and v < lo) or (hi and v > hi) then
      error(string.format("measured %g%s, bound %s%s", v, unit,
        lo and hi and string.format("[%g, %g]", lo, hi)
          or lo and string.format(">= %g", lo)
          or string.format("<= %g", hi), unit), 0)
    end
    return true
  end)
end

function M.at_most(name, measure, hi, unit) return M.within(name, measure, nil, hi, unit) end
function M.at_least(name, measure, lo, unit) return M.within(name, measure, lo, nil, unit) end

return M
