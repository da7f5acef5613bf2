-- Cancellation at shutdown: long jobs are in flight when the target is
-- stopped with a 100 ms grace, far too short to finish them — in a pool,
-- jobs of 4 parts of 400 ms each run as their own tasks; in a pipeline, a
-- 300 ms render stage with 4 workers. Shows that once stop's grace runs
-- out, its cancellation reaches every task (workers, every part of every
-- job, every stage) within a few milliseconds, and that the cancelled jobs
-- are accounted as cancelled, not lost. Work that ignores its context
-- keeps running, and holding its resources, long after it was told to stop.
local common = require("lib.common")

local function stop_mid_flight(t)
  t:start()
  t:load(closed_loop { clients = 8, duration = "5s", timeout = "2s" })
  t:sleep("1s")
  t:stop { grace = "100ms" }
  t:expect(t:stats().workers == 0, "every worker exited")
end

local function checks(max)
  return {
    cancel_propagates_within("20ms"),
    common.at_least("jobs in flight at the stop were cancelled",
      function(run) return run.jobs.cancelled end, 1, "jobs"),
    no_leaked_tasks(), no_lost_jobs(), no_deadlock(), max_tasks(max),
  }
end

return {
  scenario {
    name = "stop's cancellation reaches every part of every job",
    tags = { "shutdown", "cancel", "pool", "real" },
    target = pool { workers = 4, queue = 16, cost = "400ms", fanout = 4, task_budget = 4 },
    script = stop_mid_flight,
    checks = checks(24),     -- 4 workers x (1 + 4 parts), plus the pool's own 2
  },
  scenario {
    name = "stop's cancellation reaches every pipeline stage",
    tags = { "shutdown", "cancel", "pipeline", "real" },
    target = pipeline {
      stages = {
        { name = "parse", workers = 2, cap = 4, cost = "1ms" },
        { name = "render", workers = 4, cap = 4, cost = "300ms" },
        { name = "store", workers = 2, cap = 4, cost = "1ms" },
      },
    },
    script = stop_mid_flight,
    checks = checks(16),     -- 8 stage workers, 2 closers, the overseer
  },
}
