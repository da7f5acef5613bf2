-- Dropped connections, at each phase of a request through the front: the
-- connection is reset before the request is read, in the middle (read but
-- not yet executed), or after execution before the reply is sent. Clients
-- retry the same request id on a new connection. Shows exactly-once
-- execution whatever the phase: a request dropped before it ran runs on
-- the retry, one dropped after it ran is answered from the front's stored
-- result and never runs twice; every request is answered and no job is
-- lost. The "after" phase is the one that makes a non-idempotent server
-- execute a retried request twice.
local common = require("lib.common")

local function dropped(name, point, phase)
  return scenario {
    name = name,
    tags = { "net", "drop", "front", "real" },
    target = pool { workers = 4, queue = 32, cost = "1ms" },
    load = open_loop { rate = 200, duration = "3s", via = "front", retries = 4,
                       timeout = "200ms", backoff = "5ms" },
    faults = {
      drop { point = point, phase = phase, p = 0.1, from = "1s", to = "2s" },
    },
    checks = {
      exactly_once(), no_lost_jobs(), no_leaked_tasks(),
      error_rate_below(0.01),
      common.at_least("connections were dropped",
        function(run) return run.faults_fired end, 5, "drops"),
    },
  }
end

return {
  dropped("connections dropped before the request is read are retried",
          "svc/front/request", "before"),
  dropped("connections dropped mid-request are retried exactly once",
          "svc/front/execute", "mid"),
  dropped("dropped replies are retried exactly once", "svc/front/reply", "after"),
}
