-- Requesters that give up: for a second a tenth of the jobs stall 50 ms
-- while callers wait only 20 ms, so many requesters time out and walk away
-- with their job still in a worker's hands. Shows that a job nobody waits
-- for any more is cancelled and its worker moves on: no worker is stranded
-- holding a result nobody will read, throughput is back once the stalls
-- stop, and every job is accounted for (a given-up job as cancelled, not
-- run to completion behind its caller's back). A worker that blocks handing
-- back an unwanted result leaks once per give-up, until the pool has no
-- worker left. (The same for a pipeline: pipeline/requesters_give_up.lua.)
local common = require("lib.common")

return scenario {
  name = "jobs whose requesters gave up free their workers",
  tags = { "pool", "cancel", "timeout", "real" },
  target = pool { workers = 8, queue = 64, cost = { fixed = "1ms", jitter = "2ms" } },
  load = open_loop { rate = 400, duration = "3s", timeout = "20ms" },
  faults = {
    delay { point = "svc/pool/exec", by = "50ms", p = 0.1, from = "1s", to = "2s" },
  },
  checks = {
    no_leaked_tasks(), no_lost_jobs(), exactly_once(),
    max_tasks(16),             -- 8 workers and the pool's own 2, with room
    common.at_least("jobs whose requesters gave up were cancelled",
      function(run) return run.jobs.cancelled end, 10, "jobs"),
    recovery_within("500ms"),
  },
}
