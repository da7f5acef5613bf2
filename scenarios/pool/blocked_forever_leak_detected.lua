-- Blocked forever: from 1 s, two jobs hang in their workers and are never
-- released (a lock that is never unlocked, a call with no deadline). Even
-- a correct pool cannot get those workers back: the point here is that
-- the harness *sees* it. Shows that a hang is reported as what it is —
-- the blocked workers are listed as leaked tasks after stop, their two
-- jobs as lost — while their requesters time out as usual and the other
-- workers keep serving. (The same fault with a `to` is
-- pool/blocked_worker_cleared.lua, where nothing may leak.)
local common = require("lib.common")

return scenario {
  name = "a worker blocked forever is reported as a leak",
  tags = { "pool", "block", "leak" },
  target = pool { workers = 6, queue = 32, cost = "2ms", job_timeout = "100ms" },
  load = open_loop { rate = 300, duration = "3s", timeout = "200ms" },
  grace = "200ms",
  faults = {
    block { point = "svc/pool/exec", max = 2, from = "1s" },
  },
  checks = {
    check("the two hung workers are reported as leaked", function(run)
      if run.tasks.leaked < 2 then
        error(string.format("%d tasks leaked, expected the 2 blocked workers (and what waits on them)",
          run.tasks.leaked), 0)
      end
      return true
    end),
    common.within("the two hung jobs are the only ones lost",
      function(run) return run.jobs.lost end, 2, 2, "jobs"),
    common.at_most("the other workers kept serving (error rate)",
      function(run) return run.requests.failed / run.requests.total end, 0.01),
    max_tasks(10), no_panics(),
  },
}
