-- Failing jobs: for a second, a fifth of the jobs fail at the worker (an
-- error from a backend). Shows that failures are answered, recorded and
-- never retried into duplicates, and that the error rate returns to zero.
local common = require("lib.common")

return scenario {
  name = "failing jobs are answered once",
  tags = { "pool", "error" },
  target = pool { workers = 4, queue = 32, cost = "1ms" },
  load = open_loop { rate = 500, duration = "4s" },
  faults = {
    -- opens 1 ms off the 2 ms arrival grid: a failure at the very instant
    -- the baseline ends would be sampled into it (and its error-rate band)
    error { point = "svc/pool/exec", err = "EIO", p = 0.2, from = "1001ms", to = "2s" },
  },
  checks = {
    exactly_once(), error_rate_below(0.1),
    recovery_within("500ms", { metric = "error_rate", tolerance = 0.01 }),
    common.hygiene(), -- last: its three checks all land in the list
  },
}
