-- Helpers shared by the scenarios (load them with require("lib.common")).
local M = {}

-- The invariants every scenario of a correct service should hold.
function M.hygiene()
  return no_leaked_tasks(), no_lost_jobs(), no_panics()
end

return M
